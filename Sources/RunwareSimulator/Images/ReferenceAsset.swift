import KontextCore

/// The stand-in for Runware's `assets/inputs/<name>.jpg` reference images: a JPEG painted
/// from the name, so the same name always gives the same bytes.
enum ReferenceAsset {
    /// Size of every reference image; a Kontext-friendly square.
    static let size = ImageSize(width: 1024, height: 1024)

    /// The JPEG for an asset name.
    static func jpeg(named name: String) throws(ImageSynthesisError) -> [UInt8] {
        try ImageSynthesizer.render(format: .jpg, size: size, seed: seed(for: name), quality: 85)
    }

    /// FNV-1a of the name: stable across runs and platforms, unlike `Hasher`.
    static func seed(for name: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
