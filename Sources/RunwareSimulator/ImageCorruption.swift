/// Damages encoded image bytes the way `[sim:corrupt]` promises: a run of bytes in the middle
/// of the file is inverted, so headers still look plausible but content checks must fail.
enum ImageCorruption {
    /// Inverts up to 64 bytes centred in `bytes`; always changes at least one byte of a
    /// non-empty buffer.
    static func corrupt(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        var damaged = bytes
        let length = min(64, max(1, bytes.count / 4))
        let start = (bytes.count - length) / 2
        for index in start..<(start + length) {
            damaged[index] = ~damaged[index]
        }
        return damaged
    }
}
