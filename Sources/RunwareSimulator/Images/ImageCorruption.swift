import KontextCore

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

/// Damage for one faulty download attempt, made so that structural verification
/// (`ImageVerifier`) is certain to reject it: a client that verifies every download must see
/// the fault and retry, never store the damaged bytes.
///
/// Plain inverted bytes are not enough for every format: the entropy-coded data of a JPEG and
/// the VP8 payload of a WEBP are not checked structurally. So a PNG gets bytes inverted in its
/// middle (its chunk CRC catches them); a JPEG gets a stray SOI marker (`FF D8`) written in the
/// middle of its scan (inverted bytes there could fake a marker segment whose length jumps over
/// the damage); a WEBP gets bytes inverted in its middle and its first chunk's length pointed
/// past the end of the file.
enum DownloadDamage {
    /// `bytes` (a whole image of `format`) damaged in its middle; same length.
    static func corrupt(_ bytes: [UInt8], format: OutputFormat) -> [UInt8] {
        guard bytes.count >= 24 else { return ImageCorruption.corrupt(bytes) }
        var damaged = bytes
        switch format {
        case .png:
            // Not the middle run `[sim:corrupt]` inverts: inverting that again would restore it.
            let start = damaged.count / 3
            for index in start..<min(damaged.count, start + 16) { damaged[index] ^= 0x5A }
        case .jpg:
            let middle = damaged.count / 2
            damaged[middle] = 0xFF
            damaged[middle + 1] = 0xD8
        case .webp:
            damaged = ImageCorruption.corrupt(bytes)
            // The first chunk's little-endian length sits at offset 16, after "RIFF", size, "WEBP", fourCC.
            let declared = UInt32(damaged[16]) | UInt32(damaged[17]) << 8 | UInt32(damaged[18]) << 16
                | UInt32(damaged[19]) << 24
            let pastEnd = declared &+ UInt32(clamping: damaged.count)
            for index in 0..<4 {
                damaged[16 + index] = UInt8(truncatingIfNeeded: pastEnd >> (8 * UInt32(index)))
            }
        }
        return damaged
    }
}
