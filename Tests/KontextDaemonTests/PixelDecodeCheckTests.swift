@testable import KontextDaemon
import KontextCore
import RunwareSimulator
import Testing

@Suite struct PixelDecodeCheckTests {
    /// `[sim:corrupt]`'s damage: 64 bytes inverted in the middle of the file.
    func damaged(_ bytes: [UInt8]) -> [UInt8] {
        var copy = bytes
        let start = (bytes.count - 64) / 2
        for index in start..<(start + 64) { copy[index] = ~copy[index] }
        return copy
    }

    @Test(arguments: OutputFormat.allCases)
    func goodImagesDecode(format: OutputFormat) throws {
        let bytes = try ImageSynthesizer.render(format: format, size: ImageSize(width: 1248, height: 832), seed: 7)
        #expect(PixelDecodeCheck.failure(bytes, format: format) == nil)
    }

    /// JPEG scans and VP8 payloads carry no checksum: some damage there decodes to wrong pixels
    /// without any error, and nothing short of a checksum from Runware could see it. Decoding
    /// still catches most of what the structural walk lets through.
    @Test(arguments: [OutputFormat.jpg, .webp])
    func decodingCatchesDamageThatStructureCannotSee(format: OutputFormat) throws {
        var structurallyWhole = 0
        var caught = 0
        for seed in UInt64(1)...20 {
            let bytes = damaged(try ImageSynthesizer.render(format: format, size: ImageSize(width: 1024, height: 1024), seed: seed))
            guard case .success = ImageVerifier.verify(bytes, expectedFormat: format, expectedSize: nil) else { continue }
            structurallyWhole += 1
            if let reason = PixelDecodeCheck.failure(bytes, format: format) {
                #expect(reason.contains("does not decode"))
                caught += 1
            }
        }
        #expect(structurallyWhole > 0)
        #expect(caught * 2 > structurallyWhole, "decoding caught \(caught) of \(structurallyWhole)")
    }

    @Test func truncatedPNGIsRejected() throws {
        let bytes = try ImageSynthesizer.render(format: .png, size: ImageSize(width: 64, height: 64), seed: 3)
        #expect(PixelDecodeCheck.failure(Array(bytes.prefix(bytes.count / 2)), format: .png) != nil)
        #expect(PixelDecodeCheck.failure([], format: .jpg) != nil)
    }
}
