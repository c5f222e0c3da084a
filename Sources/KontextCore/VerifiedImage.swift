/// What verification established about a structurally whole image.
public struct VerifiedImage: Sendable, Hashable {
    /// The format, confirmed by signature and structure.
    public let format: OutputFormat
    /// Width in pixels, from the image header.
    public let width: Int
    /// Height in pixels, from the image header.
    public let height: Int

    /// Creates a description of a verified image.
    public init(format: OutputFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }
}
