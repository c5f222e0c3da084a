import KontextCore
import Testing

/// Images are judged by their declared size before anything decodes them: nothing larger than the
/// model's largest output passes, even when the task named no size.
@Suite struct ImageBoundsTests {
    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for (type, data) in [("IHDR", be(width) + be(height) + [8, 2, 0, 0, 0]), ("IDAT", [0x78, 0x9C, 0x01]), ("IEND", [])] as [(String, [UInt8])] {
            let body = Array(type.utf8) + data
            bytes += be(UInt32(data.count)) + body + be(CRC32.checksum(body))
        }
        return bytes
    }

    static func jpeg(width: UInt16, height: UInt16, scans: Int = 1) -> [UInt8] {
        let sof: [UInt8] = [0xFF, 0xC2, 0, 11, 8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0]
        let sos: [UInt8] = [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34]
        return [0xFF, 0xD8] + sof + Array([[UInt8]](repeating: sos, count: scans).joined()) + [0xFF, 0xD9]
    }

    static func webpCanvas(width: Int, height: Int) -> [UInt8] {
        func le24(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF)] }
        // Animated VP8X with one (empty) ANMF frame: the canvas is the declared size.
        let vp8x: [UInt8] = Array("VP8X".utf8) + [10, 0, 0, 0, 0x02, 0, 0, 0] + le24(width - 1) + le24(height - 1)
        let anmf: [UInt8] = Array("ANMF".utf8) + [0, 0, 0, 0]
        let body = Array("WEBP".utf8) + vp8x + anmf
        let length = body.count
        return Array("RIFF".utf8) + [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), 0, 0] + body
    }

    @Test(arguments: [
        (png(width: 1_000_000, height: 1_000_000), OutputFormat.png),
        (png(width: 1569, height: 600), .png),
        (png(width: 1100, height: 1100), .png),
        (jpeg(width: 65535, height: 65535), .jpg),
        (jpeg(width: 1024, height: 1569), .jpg),
        (webpCanvas(width: 16_777_216, height: 16_777_216), .webp),
        (webpCanvas(width: 1400, height: 1400), .webp),
    ])
    func oversizeIsRefusedWithoutAnExpectedSize(bytes: [UInt8], format: OutputFormat) {
        guard case .failure(let error) = ImageVerifier.verify(bytes, expectedFormat: format, expectedSize: nil) else {
            Issue.record("accepted an oversize \(format)")
            return
        }
        #expect(error.kind == .tooLarge, "\(error)")
        #expect(error.detail.contains("FLUX.1 Kontext [dev]"), "\(error)")
    }

    @Test func everySupportedSizeIsWithinBounds() {
        for size in ImageSize.kontextSizes {
            #expect(ImageBounds.kontext.violation(size) == nil, "\(size)")
            #expect((try? ImageVerifier.verify(Self.png(width: UInt32(size.width), height: UInt32(size.height)), expectedFormat: .png, expectedSize: nil).get()) != nil)
        }
        #expect(ImageBounds.kontext.violation(ImageSize(width: 1024, height: 1040)) != nil, "1,064,960 pixels")
    }

    @Test func progressiveScanCountIsLimited() {
        let limit = 64
        #expect((try? ImageVerifier.verify(Self.jpeg(width: 16, height: 16, scans: limit), expectedFormat: .jpg, expectedSize: nil).get()) != nil)
        guard case .failure(let error) = ImageVerifier.verify(Self.jpeg(width: 16, height: 16, scans: limit + 1), expectedFormat: .jpg, expectedSize: nil) else {
            Issue.record("accepted \(limit + 1) scans")
            return
        }
        #expect(error.kind == .corrupt && error.detail.contains("more than 64 scans"), "\(error)")
    }
}
