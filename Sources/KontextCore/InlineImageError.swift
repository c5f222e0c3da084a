/// Why inline image data (`imageBase64Data` / `imageDataURI`) could not be decoded.
public struct InlineImageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad reason, for callers that branch on it.
    public enum Kind: String, Sendable {
        /// The source is a URL: there are no inline bytes to decode.
        case notInline
        /// The data URI lacks `data:`, the comma, or the `;base64` marker.
        case malformedDataURI
        /// The base64 text has a character outside the alphabet, misplaced padding or a bad length.
        case invalidBase64
        /// The text decodes to no bytes at all.
        case empty
    }

    /// The broad reason.
    public let kind: Kind
    /// What exactly was wrong, with the offset and character when there is one.
    public let detail: String

    /// Creates an error of `kind` explained by `detail`.
    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "inline image data \(kind.rawValue): \(detail)" }
}
