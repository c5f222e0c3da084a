import KontextCore

/// Why the simulator could not produce an image: which encoder failed, for which request, and
/// what the library said. Only a broken codec library or an absurd size leads here.
public struct ImageSynthesisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The format that was being encoded.
    public let format: OutputFormat
    /// The requested image size.
    public let size: ImageSize
    /// The encoder's own explanation (or the rule the request broke).
    public let reason: String

    /// Creates an error for `format` at `size`, explained by `reason`.
    public init(format: OutputFormat, size: ImageSize, reason: String) {
        self.format = format
        self.size = size
        self.reason = reason
    }

    /// `cannot synthesize <FORMAT> image <WxH>: <reason>`.
    public var description: String { "cannot synthesize \(format.rawValue) image \(size): \(reason)" }
}
