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

    @Test func ingestDecodeKeepsAThumbnailForJPEGAndWEBPButNotPNG() throws {
        for format in OutputFormat.allCases {
            let bytes = try ImageSynthesizer.render(format: format, size: ImageSize(width: 1024, height: 1024), seed: 3)
            let outcome = PixelDecodeCheck.decodeWithThumbnail(bytes, format: format)
            #expect(outcome.failure == nil)
            #expect((outcome.thumbnail != nil) == (format != .png), "\(format)")
        }
    }

    @Test func undecodableImagesGiveTheDecodersReasonAndNoThumbnail() throws {
        var bytes = try ImageSynthesizer.render(format: .jpg, size: ImageSize(width: 512, height: 512), seed: 5)
        bytes.removeLast(bytes.count / 2)
        let outcome = PixelDecodeCheck.decodeWithThumbnail(bytes, format: .jpg)
        #expect(outcome.thumbnail == nil)
        #expect(outcome.failure?.hasPrefix("JPG does not decode:") == true, "\(String(describing: outcome.failure))")
    }
}
