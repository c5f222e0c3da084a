import KontextCore
import Testing

@testable import RunwareSimulator

@Suite("ImageSynthesizer")
struct ImageSynthesizerTests {
    static let sizes: [ImageSize] = [
        ImageSize(width: 1568, height: 672), ImageSize(width: 1024, height: 1024),
        ImageSize(width: 832, height: 1248), ImageSize(width: 672, height: 1568),
    ]

    @Test("every format decodes with identify at the requested Kontext size", arguments: OutputFormat.allCases)
    func decodesAtRequestedSize(format: OutputFormat) throws {
        for (index, size) in Self.sizes.enumerated() {
            let bytes = try ImageSynthesizer.render(format: format, size: size, seed: UInt64(1000 + index))
            let identified = try #require(try ImageIdentification.identify(bytes), "identify rejected \(format) \(size)")
            #expect(identified == ImageIdentification(
                format: ImageIdentification.magickName(of: format), width: size.width, height: size.height))
        }
    }

    @Test("lossless WebP (quality 100) decodes too")
    func losslessWebP() throws {
        let size = ImageSize(width: 720, height: 1456)
        let bytes = try ImageSynthesizer.render(format: .webp, size: size, seed: 9, quality: 100)
        #expect(try ImageIdentification.identify(bytes) == ImageIdentification(format: "WEBP", width: 720, height: 1456))
    }

    @Test("same seed, size and format give identical bytes", arguments: OutputFormat.allCases)
    func deterministic(format: OutputFormat) throws {
        let size = ImageSize(width: 1248, height: 832)
        let first = try ImageSynthesizer.render(format: format, size: size, seed: 17513)
        let second = try ImageSynthesizer.render(format: format, size: size, seed: 17513)
        #expect(first == second)
    }

    @Test("different seeds give different images", arguments: OutputFormat.allCases)
    func seedsDiffer(format: OutputFormat) throws {
        let size = ImageSize(width: 1248, height: 832)
        let first = try ImageSynthesizer.render(format: format, size: size, seed: 1)
        let second = try ImageSynthesizer.render(format: format, size: size, seed: 2)
        #expect(first != second)
        #expect(ImageSynthesizer.paint(size: size, seed: 1) != ImageSynthesizer.paint(size: size, seed: 2))
    }

    @Test("the painting spreads colours across the picture rather than one flat fill")
    func paintingIsNotFlat() {
        let pixels = ImageSynthesizer.paint(size: ImageSize(width: 64, height: 48), seed: 42)
        #expect(pixels.count == 64 * 48 * 3)
        var colours = Set<Int>()
        for index in stride(from: 0, to: pixels.count, by: 3) {
            colours.insert(Int(pixels[index]) << 16 | Int(pixels[index + 1]) << 8 | Int(pixels[index + 2]))
        }
        #expect(colours.count > 10)
    }

    @Test("sizes outside the supported range and bad qualities are refused with the reason")
    func refusesBadInput() {
        #expect(throws: ImageSynthesisError.self) {
            try ImageSynthesizer.render(format: .png, size: ImageSize(width: 0, height: 10), seed: 1)
        }
        do {
            _ = try ImageSynthesizer.render(format: .jpg, size: ImageSize(width: 10, height: 10), seed: 1, quality: 0)
            Issue.record("quality 0 was accepted")
        } catch {
            #expect(error.format == .jpg)
            #expect(error.reason.contains("quality"))
        }
    }
}

