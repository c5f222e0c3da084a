import KontextCore

/// A verified image written to the image store, as recorded against its result.
public struct StoredImage: Sendable, Hashable {
    /// The verified format.
    public var format: OutputFormat
    /// The verified width in pixels.
    public var width: Int
    /// The verified height in pixels.
    public var height: Int
    /// The file size in bytes.
    public var byteSize: Int
    /// Lowercase hex SHA-256 of the bytes.
    public var sha256: String
    /// The absolute path of the file.
    public var path: String

    /// Creates a stored-image description.
    public init(format: OutputFormat, width: Int, height: Int, byteSize: Int, sha256: String, path: String) {
        self.format = format
        self.width = width
        self.height = height
        self.byteSize = byteSize
        self.sha256 = sha256
        self.path = path
    }
}
