/// Why downloaded or inline bytes are not the whole image that was asked for.
public struct ImageVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad reason, for callers that branch on it (a truncated download is worth refetching).
    public enum Kind: String, Sendable {
        /// No PNG, JPEG or WEBP signature.
        case unknownFormat
        /// A valid signature of another format than the one requested.
        case wrongFormat
        /// The bytes stop before the image's structure ends.
        case truncated
        /// The structure is broken: bad CRC, impossible length, missing required part, trailing bytes.
        case corrupt
        /// A whole image, but not of the requested size.
        case wrongDimensions
        /// No bytes at all.
        case empty
    }

    /// The broad reason.
    public let kind: Kind
    /// What exactly was wrong and where, e.g. "PNG chunk IDAT at offset 33: CRC mismatch (...)".
    public let detail: String

    /// Creates an error of `kind` explained by `detail`.
    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "image \(kind.rawValue): \(detail)" }
}
