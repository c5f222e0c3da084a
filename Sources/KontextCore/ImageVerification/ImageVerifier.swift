/// Confirms that bytes are a structurally whole image of the requested format and size, without
/// decoding pixels: fast enough to run on every downloaded or inline image.
///
/// PNG: every chunk's CRC-32 and the chunk order. JPEG: the marker walk to EOI. WEBP: RIFF and
/// chunk lengths and the image header. Trailing bytes after the image's end count as corrupt.
package enum ImageVerifier {
    /// The format the bytes' signature announces, or nil when none matches.
    package static func sniff(_ bytes: UnsafeRawBufferPointer) -> OutputFormat? {
        if bytes.count >= 8, PNGStructure.signature.indices.allSatisfy({ bytes[$0] == PNGStructure.signature[$0] }) {
            return .png
        }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return .jpg
        }
        if bytes.count >= 12, bytes.imageFourCC(at: 0) == "RIFF", bytes.imageFourCC(at: 8) == "WEBP" {
            return .webp
        }
        return nil
    }

    /// The format the bytes' signature announces, or nil when none matches.
    package static func sniff(_ bytes: [UInt8]) -> OutputFormat? {
        bytes.withUnsafeBytes { sniff($0) }
    }

    /// Checks that `bytes` are a structurally whole image of `expectedFormat` and, when
    /// `expectedSize` is given, of exactly that width and height.
    package static func verify(
        _ bytes: UnsafeRawBufferPointer, expectedFormat: OutputFormat, expectedSize: ImageSize?
    ) -> Result<VerifiedImage, ImageVerificationError> {
        guard !bytes.isEmpty else {
            return .failure(ImageVerificationError(kind: .empty, detail: "0 bytes where a \(expectedFormat.rawValue) image was expected"))
        }
        guard let format = sniff(bytes) else {
            if isSignaturePrefix(bytes, of: expectedFormat) {
                return .failure(ImageVerificationError(
                    kind: .truncated, detail: "\(expectedFormat.rawValue) ends after \(bytes.count) bytes, inside its signature"))
            }
            let head = (0..<min(8, bytes.count)).map { byte in
                let digits = String(bytes[byte], radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }
            return .failure(ImageVerificationError(
                kind: .unknownFormat,
                detail: "no PNG, JPEG or WEBP signature (first bytes \(head.joined(separator: " "))); expected \(expectedFormat.rawValue)"))
        }
        guard format == expectedFormat else {
            return .failure(ImageVerificationError(
                kind: .wrongFormat, detail: "expected \(expectedFormat.rawValue), the bytes are \(format.rawValue)"))
        }
        let inspected: Result<ImageSize, ImageVerificationError>
        switch format {
        case .png: inspected = PNGStructure.inspect(bytes)
        case .jpg: inspected = JPEGStructure.inspect(bytes)
        case .webp: inspected = WEBPStructure.inspect(bytes)
        }
        return inspected.flatMap { size in
            // Before anything decodes it: no image may be larger than the model can produce,
            // whether or not the task named a size (a decode allocates by the declared size).
            if let problem = ImageBounds.kontext.violation(size) {
                return .failure(ImageVerificationError(
                    kind: .tooLarge, detail: "the \(format.rawValue) image declares \(size), \(problem)"))
            }
            if let expectedSize, expectedSize != size {
                return .failure(ImageVerificationError(
                    kind: .wrongDimensions, detail: "expected \(expectedSize), the \(format.rawValue) image is \(size)"))
            }
            return .success(VerifiedImage(format: format, width: size.width, height: size.height))
        }
    }

    /// Checks that `bytes` are a structurally whole image of `expectedFormat` (and `expectedSize`).
    package static func verify(
        _ bytes: [UInt8], expectedFormat: OutputFormat, expectedSize: ImageSize?
    ) -> Result<VerifiedImage, ImageVerificationError> {
        bytes.withUnsafeBytes { verify($0, expectedFormat: expectedFormat, expectedSize: expectedSize) }
    }

    /// Whether short `bytes` are the start of `format`'s signature (a download cut very early).
    private static func isSignaturePrefix(_ bytes: UnsafeRawBufferPointer, of format: OutputFormat) -> Bool {
        // nil marks the WEBP length field, which may hold anything.
        let signature: [UInt8?]
        switch format {
        case .png: signature = PNGStructure.signature
        case .jpg: signature = [0xFF, 0xD8, 0xFF]
        case .webp: signature = Array("RIFF".utf8) + [nil, nil, nil, nil] + Array("WEBP".utf8)
        }
        guard bytes.count < signature.count else { return false }
        return (0..<bytes.count).allSatisfy { signature[$0] == nil || signature[$0] == bytes[$0] }
    }
}

/// What verification established about a structurally whole image.
package struct VerifiedImage: Sendable, Hashable {
    /// The format, confirmed by signature and structure.
    package let format: OutputFormat
    /// Width in pixels, from the image header.
    package let width: Int
    /// Height in pixels, from the image header.
    package let height: Int

    /// Creates a description of a verified image.
    package init(format: OutputFormat, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }
}

/// Why downloaded or inline bytes are not the whole image that was asked for.
package struct ImageVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad reason, for callers that branch on it (a truncated download is worth refetching).
    package enum Kind: String, Sendable {
        /// No PNG, JPEG or WEBP signature.
        case unknownFormat
        /// A valid signature of another format than the one requested.
        case wrongFormat
        /// The bytes stop before the image's structure ends.
        case truncated
        /// The structure is broken: bad CRC, impossible length, missing required part, trailing bytes.
        case corrupt
        /// A whole image, but not of the requested size.
        case wrongDimensions
        /// Declared dimensions beyond any the model produces (a decode bomb, or not Runware's image).
        case tooLarge
        /// No bytes at all.
        case empty
    }

    /// The broad reason.
    package let kind: Kind
    /// What exactly was wrong and where, e.g. "PNG chunk IDAT at offset 33: CRC mismatch (...)".
    package let detail: String

    /// Creates an error of `kind` explained by `detail`.
    package init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    package var description: String { "image \(kind.rawValue): \(detail)" }
}

/// The largest image kontextd will decode: FLUX.1 Kontext [dev] produces nothing larger, so any
/// image declaring more is refused from its header, before a decoder allocates for it.
package struct ImageBounds: Sendable, Hashable {
    /// Longest side in pixels.
    package var maximumSide: Int
    /// Most pixels (width × height).
    package var maximumPixels: Int

    package init(maximumSide: Int, maximumPixels: Int) {
        self.maximumSide = maximumSide
        self.maximumPixels = maximumPixels
    }

    /// The model's largest side (1568) and largest pixel count (1328x800) from the supported sizes.
    package static let kontext = ImageBounds(
        maximumSide: ImageSize.largestKontextSide, maximumPixels: ImageSize.largestKontextPixelCount)

    /// Why `size` is out of bounds, or nil when it is within them.
    package func violation(_ size: ImageSize) -> String? {
        guard size.width <= maximumSide, size.height <= maximumSide else {
            return "a side above \(maximumSide) pixels (the largest FLUX.1 Kontext [dev] produces)"
        }
        // Both sides are at most maximumSide here, so the product cannot overflow.
        guard size.width * size.height <= maximumPixels else {
            return "\(size.width * size.height) pixels, above \(maximumPixels) (the most FLUX.1 Kontext [dev] produces)"
        }
        return nil
    }
}
