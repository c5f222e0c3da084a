import CImageCodecs
import KontextCore

/// Paints and encodes the simulator's stand-in for a generated image: a real, decodable JPEG,
/// PNG or WebP of exactly the requested size, whose pixels are a pure function of the seed
/// (a two-colour gradient under a handful of rectangles and discs).
///
/// Promise: the same `(format, size, seed, quality)` always yields byte-identical output, and
/// different seeds give visibly different pictures.
package enum ImageSynthesizer {
    /// The largest side accepted; far above any Kontext size, it only keeps a typo from
    /// allocating gigabytes.
    package static let maximumSide = 8192

    /// Renders and encodes one image.
    ///
    /// - Parameters:
    ///   - format: the container to produce.
    ///   - size: exact pixel dimensions of the result (1...`maximumSide` each way).
    ///   - seed: drives every colour and shape; equal seeds give equal bytes.
    ///   - quality: JPEG/WebP quality 1...100 (WebP at 100 is encoded lossless); ignored for PNG.
    ///   - grain: per-pixel noise, 0 (flat shapes, tiny files) to 1 (±128 per channel): real
    ///     photographs compress like grainy images, so benchmarks use it to get realistic sizes.
    /// - Returns: the encoded file bytes.
    package static func render(format: OutputFormat, size: ImageSize, seed: UInt64, quality: Int = 90, grain: Double = 0)
        throws(ImageSynthesisError) -> [UInt8]
    {
        guard (1...maximumSide).contains(size.width), (1...maximumSide).contains(size.height) else {
            throw ImageSynthesisError(format: format, size: size, reason: "each side must be 1...\(maximumSide) pixels")
        }
        guard (1...100).contains(quality) else {
            throw ImageSynthesisError(format: format, size: size, reason: "quality \(quality) is outside 1...100")
        }
        var pixels = paint(size: size, seed: seed)
        if grain > 0 { addGrain(&pixels, amount: min(grain, 1), seed: seed) }
        switch format {
        case .jpg: return try encodeJPEG(pixels, size: size, quality: quality)
        case .png: return try encodePNG(pixels, size: size)
        case .webp: return try encodeWebP(pixels, size: size, quality: quality)
        }
    }

    /// Adds seeded noise of up to ±`amount`×128 to every channel.
    static func addGrain(_ pixels: inout [UInt8], amount: Double, seed: UInt64) {
        var random = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        let span = max(1, Int(amount * 256))
        pixels.withUnsafeMutableBufferPointer { buffer in
            var bits: UInt64 = 0
            for index in buffer.indices {
                if index % 8 == 0 { bits = random.next() }
                let noise = Int(bits & 0xFF) % span - span / 2
                bits >>= 8
                buffer[index] = UInt8(clamping: Int(buffer[index]) + noise)
            }
        }
    }

    /// Tightly packed 8-bit RGB pixels, row by row from the top.
    static func paint(size: ImageSize, seed: UInt64) -> [UInt8] {
        var random = SplitMix64(seed: seed)
        let width = size.width
        let height = size.height
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let from = (Int(random.nextChannel()), Int(random.nextChannel()), Int(random.nextChannel()))
        let to = (Int(random.nextChannel()), Int(random.nextChannel()), Int(random.nextChannel()))
        // Gradient direction weights; at least one is non-zero so the span below is positive.
        let weightX = random.next(below: 256)
        let weightY = random.next(below: 256 - 1) + 1
        let span = max(1, (width - 1) * weightX + (height - 1) * weightY)

        pixels.withUnsafeMutableBufferPointer { buffer in
            for y in 0..<height {
                var offset = y * width * 3
                let rowBase = y * weightY
                for x in 0..<width {
                    let t = ((x * weightX + rowBase) << 8) / span
                    buffer[offset] = UInt8(truncatingIfNeeded: from.0 + ((to.0 - from.0) * t) >> 8)
                    buffer[offset + 1] = UInt8(truncatingIfNeeded: from.1 + ((to.1 - from.1) * t) >> 8)
                    buffer[offset + 2] = UInt8(truncatingIfNeeded: from.2 + ((to.2 - from.2) * t) >> 8)
                    offset += 3
                }
            }
            let shapeCount = 5 + random.next(below: 8)
            for _ in 0..<shapeCount {
                let colour = (random.nextChannel(), random.nextChannel(), random.nextChannel())
                let centreX = random.next(below: width)
                let centreY = random.next(below: height)
                let radius = 1 + random.next(below: max(1, min(width, height) / 4))
                let isDisc = random.next(below: 2) == 0
                for y in max(0, centreY - radius)..<min(height, centreY + radius + 1) {
                    let halfSpan: Int
                    if isDisc {
                        let dy = Double(y - centreY)
                        halfSpan = Int((Double(radius * radius) - dy * dy).squareRoot())
                    } else {
                        halfSpan = radius
                    }
                    let startX = max(0, centreX - halfSpan)
                    let endX = min(width, centreX + halfSpan + 1)
                    guard startX < endX else { continue }
                    var offset = (y * width + startX) * 3
                    for _ in startX..<endX {
                        buffer[offset] = colour.0
                        buffer[offset + 1] = colour.1
                        buffer[offset + 2] = colour.2
                        offset += 3
                    }
                }
            }
        }
        return pixels
    }

    private static func encodeJPEG(_ pixels: [UInt8], size: ImageSize, quality: Int) throws(ImageSynthesisError) -> [UInt8] {
        guard let handle = tjInitCompress() else {
            throw ImageSynthesisError(format: .jpg, size: size, reason: "tjInitCompress failed")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var outputSize: UInt = 0
        let status = pixels.withUnsafeBufferPointer { source in
            tjCompress2(
                handle, source.baseAddress, Int32(size.width), 0, Int32(size.height), Int32(TJPF_RGB.rawValue),
                &output, &outputSize, Int32(TJSAMP_420.rawValue), Int32(quality), TJFLAG_FASTDCT)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
            throw ImageSynthesisError(format: .jpg, size: size, reason: "tjCompress2: \(message)")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(outputSize)))
    }

    private static func encodePNG(_ pixels: [UInt8], size: ImageSize) throws(ImageSynthesisError) -> [UInt8] {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(size.width)
        image.height = UInt32(size.height)
        image.format = UInt32(PNG_FORMAT_RGB)
        // Speed over size: these files only feed tests and demos.
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)
        // libpng promises compressed output never fills raw size + one filter byte per row;
        // the extra kilobyte covers headers. A too-small buffer is still handled below.
        var capacity = size.width * size.height * 3 + size.height + 1024
        for _ in 0..<2 {
            var output = [UInt8](repeating: 0, count: capacity)
            var written = png_alloc_size_t(capacity)
            let succeeded = output.withUnsafeMutableBytes { memory in
                pixels.withUnsafeBytes { source in
                    png_image_write_to_memory(&image, memory.baseAddress, &written, 0, source.baseAddress, 0, nil)
                }
            }
            if succeeded != 0 {
                output.removeSubrange(Int(written)...)
                return output
            }
            let message = withUnsafeBytes(of: image.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            png_image_free(&image)
            guard Int(written) > capacity else {
                throw ImageSynthesisError(format: .png, size: size, reason: "png_image_write_to_memory: \(message)")
            }
            capacity = Int(written)
            image.warning_or_error = 0
        }
        throw ImageSynthesisError(format: .png, size: size, reason: "png_image_write_to_memory kept asking for more memory")
    }

    private static func encodeWebP(_ pixels: [UInt8], size: ImageSize, quality: Int) throws(ImageSynthesisError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>? = nil
        let stride = Int32(size.width * 3)
        let written = pixels.withUnsafeBufferPointer { source in
            if quality == 100 {
                return WebPEncodeLosslessRGB(source.baseAddress, Int32(size.width), Int32(size.height), stride, &output)
            }
            return WebPEncodeRGB(source.baseAddress, Int32(size.width), Int32(size.height), stride, Float(quality), &output)
        }
        defer { if let output { WebPFree(output) } }
        guard written > 0, let output else {
            throw ImageSynthesisError(format: .webp, size: size, reason: "libwebp encoder returned no data")
        }
        return Array(UnsafeBufferPointer(start: output, count: written))
    }
}

/// Why the simulator could not produce an image: which encoder failed, for which request, and
/// what the library said. Only a broken codec library or an absurd size leads here.
package struct ImageSynthesisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The format that was being encoded.
    package let format: OutputFormat
    /// The requested image size.
    package let size: ImageSize
    /// The encoder's own explanation (or the rule the request broke).
    package let reason: String

    /// Creates an error for `format` at `size`, explained by `reason`.
    package init(format: OutputFormat, size: ImageSize, reason: String) {
        self.format = format
        self.size = size
        self.reason = reason
    }

    /// `cannot synthesize <FORMAT> image <WxH>: <reason>`.
    package var description: String { "cannot synthesize \(format.rawValue) image \(size): \(reason)" }
}
