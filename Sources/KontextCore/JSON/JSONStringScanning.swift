/// Finds, eight bytes at a time, where a run of string bytes that JSON carries verbatim ends.
///
/// Both the parser and the encoder spend most of their time inside long strings (prompts,
/// URLs, base64 image data); checking a machine word per step instead of a byte keeps that
/// part close to a memory copy.
enum JSONStringScanning {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first byte at or after `index` (and before `end`) that is a quote, a
    /// backslash, a control character (below 0x20) or not ASCII (0x80 and up); `end` when
    /// there is none.
    ///
    /// A flagged word is re-checked byte by byte, so the answer is exact even where the word
    /// test's borrows spill into neighbouring bytes.
    @inline(__always)
    static func endOfPlainASCII(in base: UnsafePointer<UInt8>, from index: Int, to end: Int) -> Int {
        var index = index
        let raw = UnsafeRawPointer(base)
        while end - index >= 8 {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let flagged = (hasZeroByte(quote) | hasZeroByte(backslash)
                | ((word &- ones &* 0x20) & ~word) | word) & highBits
            if flagged != 0 {
                for candidate in index..<(index + 8) where isSpecial(base[candidate]) { return candidate }
            }
            index += 8
        }
        while index < end {
            if isSpecial(base[index]) { return index }
            index += 1
        }
        return end
    }

    @inline(__always)
    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte >= 0x80 || byte == 0x22 || byte == 0x5C
    }

    /// Sets the high bit of each byte of the result where `word` may hold a zero byte
    /// (exact for the lowest zero byte, which is all a "stop here" test needs).
    @inline(__always)
    private static func hasZeroByte(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word
    }
}
