import KontextCore
import Testing

@Suite struct ImageVerifierTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        let name: String
        let base64: String
        let format: OutputFormat
        let width: Int
        let height: Int
        var bytes: [UInt8] { ImageFixtures.bytes(base64) }
        var size: ImageSize { ImageSize(width: width, height: height) }
        var testDescription: String { name }
    }

    static let fixtures: [Fixture] = [
        Fixture(name: "gradient PNG", base64: ImageFixtures.gradientPNG, format: .png, width: 64, height: 48),
        Fixture(name: "palette PNG", base64: ImageFixtures.palettePNG, format: .png, width: 33, height: 17),
        Fixture(name: "baseline JPEG", base64: ImageFixtures.gradientJPEG, format: .jpg, width: 64, height: 48),
        Fixture(name: "progressive JPEG", base64: ImageFixtures.progressiveJPEG, format: .jpg, width: 64, height: 48),
        Fixture(name: "plasma JPEG", base64: ImageFixtures.plasmaJPEG, format: .jpg, width: 33, height: 17),
        Fixture(name: "lossy WEBP", base64: ImageFixtures.lossyWEBP, format: .webp, width: 64, height: 48),
        Fixture(name: "lossless WEBP", base64: ImageFixtures.losslessWEBP, format: .webp, width: 64, height: 48),
        Fixture(name: "VP8X alpha WEBP", base64: ImageFixtures.alphaWEBP, format: .webp, width: 64, height: 48),
    ]

    private func failure(
        _ bytes: [UInt8], _ format: OutputFormat, _ size: ImageSize? = nil
    ) -> ImageVerificationError? {
        if case .failure(let error) = ImageVerifier.verify(bytes, expectedFormat: format, expectedSize: size) { return error }
        return nil
    }

    private func flipped(_ bytes: [UInt8], at offset: Int, mask: UInt8 = 0x01) -> [UInt8] {
        var copy = bytes
        copy[offset] ^= mask
        return copy
    }

    // MARK: good files

    @Test(arguments: fixtures) func wholeFileVerifiesWithItsSize(_ fixture: Fixture) throws {
        let verified = try ImageVerifier.verify(fixture.bytes, expectedFormat: fixture.format, expectedSize: fixture.size).get()
        #expect(verified == VerifiedImage(format: fixture.format, width: fixture.width, height: fixture.height))
        let unconstrained = try ImageVerifier.verify(fixture.bytes, expectedFormat: fixture.format, expectedSize: nil).get()
        #expect(unconstrained.width == fixture.width && unconstrained.height == fixture.height)
    }

    @Test(arguments: fixtures) func sniffNamesTheFormat(_ fixture: Fixture) {
        #expect(ImageVerifier.sniff(fixture.bytes) == fixture.format)
    }

    @Test func sniffRejectsOtherBytes() {
        #expect(ImageVerifier.sniff(Array("GIF89a......".utf8)) == nil)
        #expect(ImageVerifier.sniff([0xFF, 0xD8]) == nil)
        #expect(ImageVerifier.sniff(Array("RIFF\0\0\0\0WAVE".utf8)) == nil)
        #expect(ImageVerifier.sniff([]) == nil)
    }

    // MARK: truncation and trailing bytes

    @Test(arguments: fixtures) func everyProperPrefixIsTruncated(_ fixture: Fixture) {
        let bytes = fixture.bytes
        for cut in 1..<bytes.count {
            let error = failure(Array(bytes[..<cut]), fixture.format, fixture.size)
            #expect(error?.kind == .truncated, "cut at \(cut) of \(bytes.count): \(String(describing: error))")
        }
    }

    @Test(arguments: fixtures) func trailingBytesAreCorrupt(_ fixture: Fixture) {
        let error = failure(fixture.bytes + [0, 0, 0, 0], fixture.format)
        #expect(error?.kind == .corrupt)
    }

    @Test(arguments: fixtures) func emptyInput(_ fixture: Fixture) {
        #expect(failure([], fixture.format)?.kind == .empty)
    }

    // MARK: format and size

    @Test func wrongFormatNamesBoth() throws {
        let error = try #require(failure(ImageFixtures.bytes(ImageFixtures.gradientPNG), .jpg))
        #expect(error.kind == .wrongFormat)
        #expect(error.detail.contains("JPG") && error.detail.contains("PNG"))
        #expect(failure(ImageFixtures.bytes(ImageFixtures.lossyWEBP), .png)?.kind == .wrongFormat)
        #expect(failure(ImageFixtures.bytes(ImageFixtures.gradientJPEG), .webp)?.kind == .wrongFormat)
    }

    @Test func unknownFormat() throws {
        let error = try #require(failure(Array("GIF89a, not what was asked".utf8), .png))
        #expect(error.kind == .unknownFormat)
        #expect(error.detail.contains("47 49 46 38"))
    }

    @Test(arguments: fixtures) func wrongSizeNamesBoth(_ fixture: Fixture) throws {
        let error = try #require(failure(fixture.bytes, fixture.format, ImageSize(width: 1024, height: 1024)))
        #expect(error.kind == .wrongDimensions)
        #expect(error.detail.contains("1024x1024") && error.detail.contains(fixture.size.description))
    }

    // MARK: PNG damage

    private var png: [UInt8] { ImageFixtures.bytes(ImageFixtures.gradientPNG) }
    // Chunk layout of the gradient PNG: IHDR at 8, ..., IDAT at 130 (327 data bytes), IEND at 567.
    private let idatOffset = 130

    @Test func flippedByteInsideIDATFailsItsCRC() throws {
        let error = try #require(failure(flipped(png, at: idatOffset + 8 + 100), .png))
        #expect(error.kind == .corrupt)
        #expect(error.detail.contains("IDAT at offset 130") && error.detail.contains("CRC mismatch"))
    }

    @Test func flippedStoredCRCIsCaught() throws {
        let error = try #require(failure(flipped(png, at: idatOffset + 8 + 327 + 2), .png))
        #expect(error.kind == .corrupt)
        #expect(error.detail.contains("CRC mismatch"))
    }

    @Test func flippedLengthFieldIsCaught() throws {
        // Low byte: the chunk looks one byte shorter, so its CRC no longer matches.
        let shorter = try #require(failure(flipped(png, at: idatOffset + 3), .png))
        #expect(shorter.kind == .corrupt && shorter.detail.contains("CRC mismatch"))
        // Top bit: beyond the 2^31-1 limit PNG allows.
        let impossible = try #require(failure(flipped(png, at: idatOffset, mask: 0x80), .png))
        #expect(impossible.kind == .corrupt && impossible.detail.contains("exceeds"))
        // A middle byte: the chunk claims to run past the end of the file.
        #expect(failure(flipped(png, at: idatOffset + 1), .png)?.kind == .truncated)
    }

    @Test func flippedChunkTypeIsCaught() {
        // 'I' ^ 0x01 = 'H', still a letter: the CRC covers the type and catches it.
        #expect(failure(flipped(png, at: idatOffset + 4), .png)?.kind == .corrupt)
        #expect(failure(flipped(png, at: idatOffset + 4, mask: 0x40), .png)?.kind == .corrupt)
    }

    /// A PNG made of the given chunks, each with a correct CRC.
    private func assemblePNG(_ chunks: [(String, [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for (type, data) in chunks {
            let length = UInt32(data.count)
            bytes += [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
            let body = Array(type.utf8) + data
            let crc = CRC32.checksum(body)
            bytes += body + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        }
        return bytes
    }

    private let ihdr: (String, [UInt8]) = ("IHDR", [0, 0, 0, 2, 0, 0, 0, 3, 8, 2, 0, 0, 0])
    private let idat: (String, [UInt8]) = ("IDAT", [0x78, 0x9C, 0x01])
    private let iend: (String, [UInt8]) = ("IEND", [])

    @Test func assembledPNGChunkOrderRules() throws {
        #expect(try ImageVerifier.verify(assemblePNG([ihdr, idat, idat, iend]), expectedFormat: .png, expectedSize: ImageSize(width: 2, height: 3)).get().width == 2)

        let cases: [([(String, [UInt8])], String)] = [
            ([idat, ihdr, iend], "expected IHDR"),
            ([ihdr, iend], "no IDAT"),
            ([ihdr, idat, ("tEXt", [0x61, 0, 0x62]), idat, iend], "after other chunks"),
            ([ihdr, ihdr, idat, iend], "second IHDR"),
            ([("IHDR", [0, 0, 0, 2, 0, 0, 0, 3, 8]), idat, iend], "expected 13"),
            ([("IHDR", [0, 0, 0, 0, 0, 0, 0, 3, 8, 2, 0, 0, 0]), idat, iend], "0x3"),
            ([("IHDR", [0, 0, 0, 2, 0, 0, 0, 3, 8, 3, 0, 0, 0]), idat, iend], "PLTE"),
            ([("IHDR", [0, 0, 0, 2, 0, 0, 0, 3, 3, 2, 0, 0, 0]), idat, iend], "bit depth 3"),
            ([ihdr, idat, ("IEND", [1])], "expected 0"),
        ]
        for (chunks, mention) in cases {
            let error = failure(assemblePNG(chunks), .png)
            #expect(error?.kind == .corrupt && error?.detail.contains(mention) == true, "\(mention): \(String(describing: error))")
        }
    }

    // MARK: JPEG damage

    private var jpeg: [UInt8] { ImageFixtures.bytes(ImageFixtures.gradientJPEG) }
    // Layout of the baseline JPEG: APP0 at 2, DQT at 20 and 89, SOF0 at 158, DHT ×4, SOS at 273, EOI at 369.

    @Test func jpegWithoutEOIIsTruncated() throws {
        let error = try #require(failure(Array(jpeg.dropLast(2)), .jpg))
        #expect(error.kind == .truncated && error.detail.contains("without EOI"))
    }

    @Test func jpegFrameHeaderLengthFlipIsCorrupt() throws {
        let error = try #require(failure(flipped(jpeg, at: 161), .jpg))
        #expect(error.kind == .corrupt && error.detail.contains("frame header"))
    }

    @Test func jpegSegmentLengthFlipIsCaught() {
        // DQT at 20 claims 66 bytes: the walk lands on a non-marker byte.
        #expect(failure(flipped(jpeg, at: 23), .jpg)?.kind == .corrupt)
        // Huge length: the segment would run past the end.
        #expect(failure(flipped(jpeg, at: 22, mask: 0x40), .jpg)?.kind == .truncated)
    }

    @Test func jpegStructureRules() {
        let sof: [UInt8] = [0xFF, 0xC0, 0, 11, 8, 0, 3, 0, 2, 1, 1, 0x11, 0]
        let sos: [UInt8] = [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]
        let entropy: [UInt8] = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF]
        let soi: [UInt8] = [0xFF, 0xD8]
        let eoi: [UInt8] = [0xFF, 0xD9]

        // Stuffing, a restart marker and fill bytes inside the scan are all skipped.
        let whole = soi + sof + sos + entropy + eoi
        #expect((try? ImageVerifier.verify(whole, expectedFormat: .jpg, expectedSize: ImageSize(width: 2, height: 3)).get()) != nil)

        let cases: [([UInt8], ImageVerificationError.Kind, String)] = [
            (soi + sof + eoi, .corrupt, "without any scan"),
            (soi + sos + entropy + eoi, .corrupt, "before any frame header"),
            (soi + [0xFF, 0xC4, 0, 2] + eoi, .corrupt, "without a frame header"),
            (soi + sof + sof + sos + eoi, .corrupt, "second frame header"),
            (soi + sof + [0xFF, 0xE0, 0, 1] + sos + eoi, .corrupt, "below the minimum"),
            (soi + sof + sos + [0x12, 0x34], .truncated, "without EOI"),
            (soi + sof + [0xFF], .truncated, "inside a marker"),
            (soi + sof + [0x00] + sos + eoi, .corrupt, "where a marker"),
        ]
        for (bytes, kind, mention) in cases {
            let error = failure(bytes, .jpg)
            #expect(error?.kind == kind && error?.detail.contains(mention) == true, "\(mention): \(String(describing: error))")
        }
    }

    // MARK: WEBP damage

    private func withRIFFLength(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var copy = bytes
        for index in 0..<4 { copy[4 + index] = UInt8((length >> (8 * index)) & 0xFF) }
        return copy
    }

    @Test func webpRIFFLengthMustMatchTheFile() throws {
        let webp = ImageFixtures.bytes(ImageFixtures.lossyWEBP)
        let longer = try #require(failure(withRIFFLength(webp, webp.count - 8 + 2), .webp))
        #expect(longer.kind == .truncated && longer.detail.contains("RIFF"))
        let shorter = try #require(failure(withRIFFLength(webp, webp.count - 8 - 2), .webp))
        #expect(shorter.kind == .corrupt && shorter.detail.contains("RIFF"))
    }

    @Test func webpChunkSizeMustFit() throws {
        // The lossless fixture's VP8L chunk size is at offset 16.
        let webp = ImageFixtures.bytes(ImageFixtures.losslessWEBP)
        let error = try #require(failure(flipped(webp, at: 17), .webp))
        #expect(error.kind == .corrupt && error.detail.contains("VP8L"))
    }

    @Test func webpImageHeadersAreChecked() {
        // Lossy: start code 9D 01 2A at payload offset 3 (file offset 23).
        let lossy = ImageFixtures.bytes(ImageFixtures.lossyWEBP)
        #expect(failure(flipped(lossy, at: 23), .webp)?.detail.contains("start code") == true)
        // Lossless: signature byte 0x2F at file offset 20.
        let lossless = ImageFixtures.bytes(ImageFixtures.losslessWEBP)
        #expect(failure(flipped(lossless, at: 20), .webp)?.detail.contains("signature") == true)
    }

    /// A WEBP made of the given chunks, padded and with a correct RIFF length.
    private func assembleWEBP(_ chunks: [(String, [UInt8])]) -> [UInt8] {
        var body = Array("WEBP".utf8)
        for (type, data) in chunks {
            let length = data.count
            body += Array(type.utf8) + (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) } + data
            if length % 2 == 1 { body.append(0) }
        }
        let length = body.count
        return Array("RIFF".utf8) + (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) } + body
    }

    @Test func webpExtendedRules() throws {
        // Canvas 64x48: width-1 = 63, height-1 = 47, 24-bit little-endian.
        let vp8x: (String, [UInt8]) = ("VP8X", [0x10, 0, 0, 0, 63, 0, 0, 47, 0, 0])
        let lossless = ImageFixtures.bytes(ImageFixtures.losslessWEBP)
        let vp8l: (String, [UInt8]) = ("VP8L", Array(lossless[20..<(20 + 59)]))
        #expect(try ImageVerifier.verify(assembleWEBP([vp8x, vp8l]), expectedFormat: .webp, expectedSize: ImageSize(width: 64, height: 48)).get().width == 64)

        let alone = failure(assembleWEBP([vp8x, ("EXIF", [1, 2, 3])]), .webp)
        #expect(alone?.kind == .corrupt && alone?.detail.contains("without a VP8 or VP8L") == true)
        let otherCanvas: (String, [UInt8]) = ("VP8X", [0x10, 0, 0, 0, 99, 0, 0, 47, 0, 0])
        let mismatch = failure(assembleWEBP([otherCanvas, vp8l]), .webp)
        #expect(mismatch?.kind == .corrupt && mismatch?.detail.contains("differs") == true)
        let wrongFirst = failure(assembleWEBP([("ICCP", [0, 0]), vp8l]), .webp)
        #expect(wrongFirst?.kind == .corrupt && wrongFirst?.detail.contains("first chunk") == true)
        #expect(failure(assembleWEBP([vp8l, vp8l]), .webp)?.detail.contains("second image chunk") == true)
    }
}
