/// Decoding of the request target: percent-escapes in paths, and `application/x-www-form-urlencoded` queries.
enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` as a space when `plusIsSpace`); malformed escapes stay literal,
    /// invalid UTF-8 becomes U+FFFD.
    static func decode(_ text: Substring, plusIsSpace: Bool) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        let source = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            let byte = source[index]
            if byte == UInt8(ascii: "%"), index + 2 < source.count,
                let high = hexValue(source[index + 1]), let low = hexValue(source[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
                continue
            }
            bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // Both below search the target's UTF-8 bytes, not its Characters: they run on every request,
    // and grapheme breaking made query parsing a visible share of a webhook's event-loop time.
    // Every delimiter is ASCII, so each index found is a valid String index.

    /// The raw path of a request target: everything before `?` or `#`.
    static func rawPath(of uri: String) -> Substring {
        uri[..<(uri.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) ?? uri.endIndex)]
    }

    /// The query pairs of a request target, decoded; for a repeated name the last value wins.
    /// A name without `=` maps to the empty string.
    static func query(of uri: String) -> [String: String] {
        // A `?` after a `#` is part of the fragment, not a query.
        let target = uri[..<(uri.utf8.firstIndex(of: UInt8(ascii: "#")) ?? uri.endIndex)]
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return [:] }
        let rest = target[target.utf8.index(after: mark)...]
        var result: [String: String] = [:]
        for bytes in rest.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let pair = rest[bytes.startIndex..<bytes.endIndex]
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                let name = decode(pair[..<equals], plusIsSpace: true)
                result[name] = decode(pair[pair.utf8.index(after: equals)...], plusIsSpace: true)
            } else {
                result[decode(pair, plusIsSpace: true)] = ""
            }
        }
        return result
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
