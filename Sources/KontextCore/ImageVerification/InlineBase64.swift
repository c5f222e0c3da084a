/// Base64 decoding for inline image payloads (megabytes per image): table-driven, over the
/// string's UTF-8 storage, tolerant of whitespace, optional padding and the URL-safe alphabet.
enum InlineBase64 {
    private static let invalid: UInt8 = 0xFF
    private static let whitespace: UInt8 = 0xFE
    private static let padding: UInt8 = 0xFD

    /// Maps each byte to its 6-bit value or to one of the markers above.
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        for character in [UInt8(ascii: " "), 0x09, 0x0A, 0x0D, 0x0C] { table[Int(character)] = whitespace }
        table[Int(UInt8(ascii: "="))] = padding
        return table
    }()

    /// Decodes the base64 text of `text` from UTF-8 offset `start` to its end.
    static func decode(_ text: String, startingAt start: Int) throws(InlineImageError) -> [UInt8] {
        var text = text
        let outcome: Result<[UInt8], InlineImageError> = text.withUTF8 { utf8 in
            table.withUnsafeBufferPointer { table in
                decode(UnsafeBufferPointer(rebasing: utf8[start...]), table: table, offsetBase: start)
            }
        }
        return try outcome.get()
    }

    private static func decode(
        _ input: UnsafeBufferPointer<UInt8>, table: UnsafeBufferPointer<UInt8>, offsetBase: Int
    ) -> Result<[UInt8], InlineImageError> {
        var output = [UInt8]()
        output.reserveCapacity(input.count / 4 * 3 + 3)
        var accumulator: UInt32 = 0
        var pending = 0  // sextets in the accumulator
        var paddingSeen = 0
        for index in input.indices {
            let character = input[index]
            let value = table[Int(character)]
            if value < 64 {
                guard paddingSeen == 0 else {
                    return .failure(InlineImageError(
                        kind: .invalidBase64, detail: "data after \"=\" padding at offset \(offsetBase + index)"))
                }
                accumulator = accumulator << 6 | UInt32(value)
                pending += 1
                if pending == 4 {
                    output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                    output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                    output.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator = 0
                    pending = 0
                }
            } else if value == whitespace {
                continue
            } else if value == padding {
                paddingSeen += 1
                guard pending >= 2, pending + paddingSeen <= 4 else {
                    return .failure(InlineImageError(
                        kind: .invalidBase64, detail: "misplaced \"=\" padding at offset \(offsetBase + index)"))
                }
            } else {
                let shown = character >= 0x20 && character < 0x7F
                    ? "\"\(Character(Unicode.Scalar(character)))\"" : "byte 0x\(String(character, radix: 16))"
                return .failure(InlineImageError(
                    kind: .invalidBase64, detail: "\(shown) at offset \(offsetBase + index) is not a base64 character"))
            }
        }
        switch pending {
        case 0:
            break
        case 2:
            output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            return .failure(InlineImageError(
                kind: .invalidBase64, detail: "the data ends with a single base64 character, which cannot encode a byte"))
        }
        return .success(output)
    }
}
