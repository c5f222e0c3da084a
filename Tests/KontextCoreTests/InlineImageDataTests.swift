import KontextCore
import Testing

@Suite struct InlineImageDataTests {
    @Test func rawBase64WithLineBreaks() throws {
        let decoded = try InlineImageData.decode(.base64("SGVs\nbG8s\r\n IHdv\tcmxk IQ=="))
        #expect(String(decoding: decoded.bytes, as: UTF8.self) == "Hello, world!")
        #expect(decoded.mimeType == nil)
    }

    @Test func paddingMayBeOmitted() throws {
        #expect(try InlineImageData.decode(.base64("QQ")).bytes == [0x41])
        #expect(try InlineImageData.decode(.base64("QUI")).bytes == [0x41, 0x42])
        #expect(try InlineImageData.decode(.base64("QUJD")).bytes == [0x41, 0x42, 0x43])
    }

    @Test func urlSafeAlphabet() throws {
        #expect(try InlineImageData.decode(.base64("-_-_")).bytes == [0xFB, 0xFF, 0xBF])
        #expect(try InlineImageData.decode(.base64("+/+/")).bytes == [0xFB, 0xFF, 0xBF])
    }

    @Test func dataURIGivesBytesAndMimeType() throws {
        let decoded = try InlineImageData.decode(.dataURI("data:image/PNG;base64,iVBORw0KGgo="))
        #expect(decoded.bytes == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(decoded.mimeType == "image/png")
    }

    @Test func dataURIWithParametersAndNoMimeType() throws {
        #expect(try InlineImageData.decode(.dataURI("data:image/webp;name=x.webp;base64,UklGRg==")).mimeType == "image/webp")
        let bare = try InlineImageData.decode(.dataURI("DATA:;base64,UklGRg=="))
        #expect(bare.mimeType == nil)
        #expect(bare.bytes == Array("RIFF".utf8))
    }

    @Test func decodesAFixtureImageThroughADataURI() throws {
        let decoded = try InlineImageData.decode(.dataURI("data:image/png;base64," + ImageFixtures.gradientPNG))
        #expect(decoded.mimeType == "image/png")
        #expect(ImageVerifier.sniff(decoded.bytes) == .png)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let source: ImageSource
        let kind: InlineImageError.Kind
        let mentions: String
        var testDescription: String { "\(source) → \(kind)" }
    }

    static let bad: [Bad] = [
        Bad(source: .url("https://im.runware.ai/x.png"), kind: .notInline, mentions: "URL"),
        Bad(source: .base64("QUJD*EFG"), kind: .invalidBase64, mentions: "\"*\" at offset 4"),
        Bad(source: .base64("QUJDR"), kind: .invalidBase64, mentions: "single base64 character"),
        Bad(source: .base64("QQ==QUJD"), kind: .invalidBase64, mentions: "after \"=\" padding"),
        Bad(source: .base64("QUJD=="), kind: .invalidBase64, mentions: "misplaced"),
        Bad(source: .base64(" \n "), kind: .empty, mentions: "0 bytes"),
        Bad(source: .dataURI("image/png;base64,QUJD"), kind: .malformedDataURI, mentions: "data:"),
        Bad(source: .dataURI("data:image/png;base64"), kind: .malformedDataURI, mentions: "comma"),
        Bad(source: .dataURI("data:image/png,QUJD"), kind: .malformedDataURI, mentions: ";base64"),
        Bad(source: .dataURI("data:image/png;base64,QU%JD"), kind: .invalidBase64, mentions: "offset 24"),
    ]

    @Test(arguments: bad) func badInputIsReported(_ item: Bad) {
        #expect {
            _ = try InlineImageData.decode(item.source)
        } throws: { error in
            guard let error = error as? InlineImageError else { return false }
            return error.kind == item.kind && error.detail.contains(item.mentions)
        }
    }
}
