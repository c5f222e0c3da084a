import Foundation

/// Recognises absolute http(s) URLs written as text (`webhookURL`, `uploadEndpoint`, image URLs).
package enum HTTPURLText {
    /// True when `text` is an absolute `http` or `https` URL with a host and no whitespace.
    package static func isAbsoluteHTTP(_ text: String) -> Bool {
        guard !text.contains(where: \.isWhitespace),
            let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { return false }
        return true
    }
}

/// Recognises UUIDs written as text (8-4-4-4-12 hex digits, any letter case).
package enum UUIDText {
    /// The lowercased UUID when `text` is any UUID in 8-4-4-4-12 form, else nil.
    package static func normalised(_ text: String) -> String? {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        for (index, byte) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard isHexDigit(byte) else { return nil }
            }
        }
        return text.lowercased()
    }

    /// The lowercased UUID when `text` is a version-4 UUID (version digit 4, variant digit 8, 9, a or b), else nil.
    package static func normalisedV4(_ text: String) -> String? {
        guard let lowered = normalised(text) else { return nil }
        let characters = Array(lowered.utf8)
        guard characters[14] == UInt8(ascii: "4"), "89ab".utf8.contains(characters[19]) else { return nil }
        return lowered
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }
}
