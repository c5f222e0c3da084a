import Foundation

/// How an input image (a reference image or an IP-Adapter guide image) is given, after checking
/// that the text really is one of the four forms Runware accepts.
package enum ImageReferenceKind: String, Sendable, Hashable, CaseIterable {
    /// A UUID of an image already uploaded to Runware.
    case uuid
    /// An absolute http(s) URL Runware fetches.
    case url
    /// `data:image/png|jpeg|jpg|webp;base64,<base64 of a PNG, JPEG or WEBP image>`.
    case dataURI
    /// Raw base64 of a PNG, JPEG or WEBP image (whitespace allowed, as in wrapped base64).
    case base64

    /// Why a text is none of the accepted image forms, phrased as the rule it breaks.
    package struct Rejection: Error, Sendable, Hashable {
        /// The rule broken, e.g. `data URI payload must be valid base64`.
        package let reason: String
    }

    /// The MIME types accepted in a data URI; `image/jpg` is common in the wild, so it is allowed.
    package static let dataURIMediaTypes = ["image/png", "image/jpeg", "image/jpg", "image/webp"]

    /// Classifies an image reference, or says which rule it breaks.
    package static func classify(_ text: String) -> Result<ImageReferenceKind, Rejection> {
        if text.isEmpty { return .failure(Rejection(reason: "must not be empty")) }
        if UUIDText.normalised(text) != nil { return .success(.uuid) }
        let lowered = text.prefix(8).lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            return HTTPURLText.isAbsoluteHTTP(text)
                ? .success(.url) : .failure(Rejection(reason: "must be an absolute http(s) URL"))
        }
        if lowered.hasPrefix("data:") { return classifyDataURI(text) }
        if let problem = base64Problem(text.utf8) {
            return .failure(Rejection(
                reason: "must be a UUID, an http(s) URL, a data URI (data:image/png|jpeg|webp;base64,...) "
                    + "or base64 of a PNG, JPEG or WEBP image (\(problem))"))
        }
        return .success(.base64)
    }

    private static func classifyDataURI(_ text: String) -> Result<ImageReferenceKind, Rejection> {
        guard let comma = text.utf8.firstIndex(of: UInt8(ascii: ",")) else {
            return .failure(Rejection(reason: "data URI must have the form data:image/png|jpeg|webp;base64,<data>"))
        }
        let header = String(text[text.startIndex..<comma]).lowercased()
        let mediaType = header.dropFirst("data:".count).split(separator: ";", omittingEmptySubsequences: false)
        guard mediaType.count == 2, mediaType[1] == "base64", dataURIMediaTypes.contains(String(mediaType[0])) else {
            return .failure(Rejection(
                reason: "data URI must have the form data:image/png|jpeg|webp;base64,<data> (header is \(header))"))
        }
        let payload = text.utf8[text.utf8.index(after: comma)...]
        if let problem = base64Problem(payload) {
            return .failure(Rejection(reason: "data URI payload must be base64 of a PNG, JPEG or WEBP image (\(problem))"))
        }
        return .success(.dataURI)
    }

    /// Why the bytes are not base64 of a PNG, JPEG or WEBP image, or nil when they are.
    private static func base64Problem(_ text: some Collection<UInt8>) -> String? {
        // Wrapped base64 (MIME style) carries line breaks; they are not part of the data.
        let compact = text.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if compact.isEmpty { return "no data" }
        guard compact.allSatisfy(isBase64Byte) else { return "contains characters outside the base64 alphabet" }
        guard compact.count % 4 == 0 else { return "length \(compact.count) is not a multiple of 4" }
        // Padding may only close the text: "xx==" or "xxx=", never "x=xx".
        let padding = compact.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard padding <= 2, !compact.dropLast(padding).contains(UInt8(ascii: "=")),
            let decoded = Data(base64Encoded: Data(compact))
        else { return "padding is malformed" }
        guard hasImageSignature(decoded) else { return "decoded bytes are not a PNG, JPEG or WEBP image" }
        return nil
    }

    private static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// True when the bytes start with a PNG, JPEG or WEBP signature, the formats Kontext takes.
    static func hasImageSignature(_ bytes: Data) -> Bool {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return true }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return true }
        return head.count == 12 && head[0..<4].elementsEqual("RIFF".utf8) && head[8..<12].elementsEqual("WEBP".utf8)
    }
}
