@testable import KontextDaemon
import KontextCore
import KontextStore
import RunwareSimulator
import Testing

@Suite struct ThumbnailTests {
    @Test(arguments: [
        (OutputFormat.jpg, ImageSize(width: 1248, height: 832)), (.webp, ImageSize(width: 832, height: 1248)),
        (.png, ImageSize(width: 1024, height: 1024)), (.jpg, ImageSize(width: 1568, height: 672)),
    ])
    func thumbnailsFitTheLongSideKeepTheShapeAndAreJPEG(format: OutputFormat, size: ImageSize) throws {
        let bytes = try ImageSynthesizer.render(format: format, size: size, seed: 11)
        let thumbnail = try PixelDecodeCheck.thumbnail(of: bytes, format: format).get()
        #expect(max(thumbnail.width, thumbnail.height) <= Thumbnail.maxSide)
        #expect(max(thumbnail.width, thumbnail.height) >= Thumbnail.maxSide / 2)
        let aspect = Double(size.width) / Double(size.height)
        #expect(abs(Double(thumbnail.width) / Double(thumbnail.height) - aspect) < 0.05)
        // A real JPEG of the stated size, that decodes.
        guard case .success(let verified) = ImageVerifier.verify(thumbnail.bytes, expectedFormat: .jpg, expectedSize: nil) else {
            Issue.record("the thumbnail is not a well-formed JPEG")
            return
        }
        #expect(verified.width == thumbnail.width && verified.height == thumbnail.height)
        #expect(PixelDecodeCheck.failure(thumbnail.bytes, format: .jpg) == nil)
        #expect(thumbnail.bytes.count < 64 * 1024)
    }

    @Test func ingestDecodeKeepsAThumbnailForEveryFormat() throws {
        for format in OutputFormat.allCases {
            let bytes = try ImageSynthesizer.render(format: format, size: ImageSize(width: 1024, height: 1024), seed: 3)
            let outcome = PixelDecodeCheck.decodeWithThumbnail(bytes, format: format)
            #expect(outcome.failure == nil)
            // JPEG's comes from its 1/8-scale decode (128 px here); PNG's and WEBP's from the full pixels.
            let side = try #require(outcome.thumbnail.map { max($0.width, $0.height) }, "\(format)")
            #expect(side == (format == .jpg ? 128 : Thumbnail.maxSide), "\(format)")
        }
    }

    @Test func aPNGWhoseChunksAreIntactButWhosePixelsAreShortIsRefusedAtIngest() throws {
        // Every CRC right, the image data one row short of what the header declares: only a decode sees it.
        let short = try ImageSynthesizer.render(format: .png, size: ImageSize(width: 64, height: 63), seed: 4)
        var bytes = short
        // Claim 64 rows in IHDR (height at offset 20) and fix IHDR's CRC.
        bytes[20...23] = [0, 0, 0, 64]
        let crc = CRC32.checksum(Array(bytes[12..<29]))
        bytes[29...32] = [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)]
        guard case .success = ImageVerifier.verify(bytes, expectedFormat: .png, expectedSize: nil) else {
            Issue.record("the structural check should pass: every chunk is intact")
            return
        }
        let outcome = PixelDecodeCheck.decodeWithThumbnail(bytes, format: .png)
        #expect(outcome.thumbnail == nil)
        #expect(outcome.failure?.hasPrefix("PNG does not decode:") == true, "\(String(describing: outcome.failure))")
    }

    @Test func undecodableImagesGiveTheDecodersReasonAndNoThumbnail() throws {
        var bytes = try ImageSynthesizer.render(format: .jpg, size: ImageSize(width: 512, height: 512), seed: 5)
        bytes.removeLast(bytes.count / 2)
        let outcome = PixelDecodeCheck.decodeWithThumbnail(bytes, format: .jpg)
        #expect(outcome.thumbnail == nil)
        #expect(outcome.failure?.hasPrefix("JPG does not decode:") == true, "\(String(describing: outcome.failure))")
    }
}
