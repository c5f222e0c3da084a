/// Locates the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates,
/// nothing above U+10FFFF), so a parse error can name where the text went wrong.
///
/// Only the error path uses it: valid text is checked by `String(validating:)`.
enum UTF8Fault {
    /// The index of the first byte of the first ill-formed sequence in `base[start..<end]`,
    /// or nil when the whole range is well-formed UTF-8.
    static func firstInvalidIndex(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var index = start
        while index < end {
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            // The allowed range of the second byte depends on the lead byte (Unicode table 3-7).
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondHigh = 0x9F
            case 0xF0: length = 4; secondLow = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondHigh = 0x8F
            default: return index
            }
            guard end - index >= length else { return index }
            let second = base[index + 1]
            guard second >= secondLow, second <= secondHigh else { return index }
            for offset in 2..<length where base[index + offset] & 0xC0 != 0x80 {
                return index
            }
            index += length
        }
        return nil
    }
}
