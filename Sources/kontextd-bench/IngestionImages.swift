import Foundation
import KontextCore
import RunwareSimulator

/// Real ~1 MB JPEG and PNG images at 1248x832 from the simulator's `ImageSynthesizer`, and distinct
/// variants of them: the store is content-addressed, so identical bytes would be written once.
///
/// A variant adds one metadata segment naming its index (a JPEG COM segment after SOI, a PNG
/// tEXt chunk after IHDR, with its CRC), so it stays a valid image of the same size whose
/// SHA-256 differs from every other variant's.
struct IngestionImages: Sendable {
    /// One base image.
    struct Image: Sendable {
        var format: OutputFormat
        var size: ImageSize
        var bytes: [UInt8]
    }

    /// The JPEG base image.
    let jpeg: Image
    /// The PNG base image.
    let png: Image

    /// Renders both bases, growing each until it reaches about `targetBytes`.
    static func render(targetBytes: Int = 1_000_000) throws -> IngestionImages {
        IngestionImages(
            jpeg: try base(format: .jpg, targetBytes: targetBytes), png: try base(format: .png, targetBytes: targetBytes))
    }

    /// A 1248x832 image (the largest Kontext size by area) with as much grain as brings it to
    /// about `targetBytes`: the pixel count Runware really returns, at a realistic file size, so
    /// the pixel decode costs what it costs in production.
    private static func base(format: OutputFormat, targetBytes: Int) throws -> Image {
        let size = ImageSize(width: 1248, height: 832)
        var low = 0.0
        var high = 1.0
        var best: Image?
        for _ in 0..<12 {
            let grain = (low + high) / 2
            let bytes = try ImageSynthesizer.render(format: format, size: size, seed: 20_250_101, quality: 95, grain: grain)
            best = Image(format: format, size: size, bytes: bytes)
            let ratio = Double(bytes.count) / Double(targetBytes)
            if ratio > 0.95 && ratio < 1.05 { break }
            if ratio < 1 { low = grain } else { high = grain }
        }
        return best!
    }

    /// Writes both bases to `directory` as `base-<W>x<H>.jpg` and `base-<W>x<H>.png`.
    func write(to directory: String) throws {
        for image in [jpeg, png] {
            let path = "\(directory)/base-\(image.size).\(image.format.fileExtension)"
            try Data(image.bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Runs this executable with `--render-images-to <temp dir>` and reads the bases it wrote.
    static func renderInChildProcess() async throws -> IngestionImages {
        let directory = NSTemporaryDirectory() + "kontextd-bench-images-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await ChildProcess.run(["--render-images-to", directory], purpose: "rendering the ingestion images")
        func read(_ format: OutputFormat) throws -> Image {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            guard let name = names.first(where: { $0.hasPrefix("base-") && $0.hasSuffix("." + format.fileExtension) }),
                let size = ImageSize(parsing: String(name.dropFirst(5).dropLast(format.fileExtension.count + 1)))
            else { throw BenchError("the image-rendering child wrote no \(format.rawValue) base into \(directory): \(names)") }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            return Image(format: format, size: size, bytes: Array(bytes))
        }
        return IngestionImages(jpeg: try read(.jpg), png: try read(.png))
    }

    /// The base image for `format` (JPEG for anything but PNG).
    func base(_ format: OutputFormat) -> Image {
        format == .png ? png : jpeg
    }

    /// Variant `index` of the `format` base: same pixels, one extra metadata segment.
    func variant(_ format: OutputFormat, index: Int) -> [UInt8] {
        let bytes = base(format).bytes
        let note = Array("kontextd-bench variant \(index)".utf8)
        if format == .png {
            // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
            let insertAt = 8 + 25
            let typeAndData = Array("tEXt".utf8) + Array("Comment".utf8) + [0] + note
            let crc = typeAndData.withUnsafeBytes { CRC32.checksum($0) }
            let chunk = Self.bigEndian(UInt32(typeAndData.count - 4)) + typeAndData + Self.bigEndian(crc)
            return Array(bytes[..<insertAt]) + chunk + Array(bytes[insertAt...])
        }
        let length = UInt16(2 + note.count)
        let segment: [UInt8] = [0xFF, 0xFE, UInt8(length >> 8), UInt8(length & 0xFF)] + note
        return Array(bytes[..<2]) + segment + Array(bytes[2...])
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
