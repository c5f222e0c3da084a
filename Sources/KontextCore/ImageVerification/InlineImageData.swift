/// Decodes the image bytes Runware sends inline: raw base64 (`imageBase64Data`) or a data URI
/// (`imageDataURI`, `data:image/png;base64,...`).
package enum InlineImageData {
    /// Returns the decoded bytes and, for a data URI, its declared MIME type (lowercased; nil when
    /// the URI declares none). Whitespace inside the base64 is ignored, padding may be omitted,
    /// and the URL-safe alphabet is accepted. A `.url` source throws `.notInline`.
    package static func decode(_ source: ImageSource) throws(InlineImageError) -> (bytes: [UInt8], mimeType: String?) {
        switch source {
        case .url(let url):
            throw InlineImageError(kind: .notInline, detail: "the image is a URL (\(url.prefix(80))), not inline data")
        case .base64(let text):
            return (try nonEmpty(InlineBase64.decode(text, startingAt: 0)), nil)
        case .dataURI(let uri):
            let (mimeType, payloadOffset) = try header(of: uri)
            return (try nonEmpty(InlineBase64.decode(uri, startingAt: payloadOffset)), mimeType)
        }
    }

    private static func nonEmpty(_ bytes: [UInt8]) throws(InlineImageError) -> [UInt8] {
        guard !bytes.isEmpty else { throw InlineImageError(kind: .empty, detail: "the data decodes to 0 bytes") }
        return bytes
    }

    /// Reads `data:<mime>[;param]*;base64,` and returns the MIME type and the UTF-8 offset of the payload.
    private static func header(of uri: String) throws(InlineImageError) -> (String?, Int) {
        let utf8 = uri.utf8
        guard utf8.count >= 5, String(decoding: utf8.prefix(5), as: UTF8.self).lowercased() == "data:" else {
            throw InlineImageError(kind: .malformedDataURI, detail: "does not start with \"data:\" (starts \(uri.prefix(16).debugDescription))")
        }
        // The header is short; a missing comma within the first KiB means this is not a data URI.
        guard let comma = utf8.prefix(1024).firstIndex(of: UInt8(ascii: ",")) else {
            throw InlineImageError(kind: .malformedDataURI, detail: "no comma separating the header from the data")
        }
        let headerText = String(decoding: utf8[utf8.index(utf8.startIndex, offsetBy: 5)..<comma], as: UTF8.self)
        let parameters = headerText.split(separator: ";", omittingEmptySubsequences: false).map {
            $0.trimmingSpaces().lowercased()
        }
        guard parameters.count >= 2, parameters.last == "base64" else {
            throw InlineImageError(
                kind: .malformedDataURI,
                detail: "header \"data:\(headerText)\" lacks \";base64\"; only base64 data URIs carry images")
        }
        let mimeType = parameters[0].isEmpty ? nil : parameters[0]
        return (mimeType, utf8.distance(from: utf8.startIndex, to: comma) + 1)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// Why inline image data (`imageBase64Data` / `imageDataURI`) could not be decoded.
package struct InlineImageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad reason, for callers that branch on it.
    package enum Kind: String, Sendable {
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
    package let kind: Kind
    /// What exactly was wrong, with the offset and character when there is one.
    package let detail: String

    /// Creates an error of `kind` explained by `detail`.
    package init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    package var description: String { "inline image data \(kind.rawValue): \(detail)" }
}
