import CImageCodecs
import KontextCore
import KontextCrypto
import KontextStore
import NIOPosix

/// A small JPEG of a stored image for the dashboard: at most `maxSide` pixels on its long side.
struct Thumbnail: Sendable, Equatable {
    /// The longest side a thumbnail has. 256 keeps a list page of fifty light.
    static let maxSide = 256
    /// JPEG quality: small files that still show what the image is.
    static let quality = 80

    let bytes: [UInt8]
    let width: Int
    let height: Int

    /// Lowercase hex SHA-256 of `bytes`: the thumbnail's content address.
    var sha256: String { SHA256Digest.hexHash(bytes) }
}

/// What the final decode of a downloaded image found: a failure, or a good image and (when the
/// decode produced pixels) its thumbnail.
struct DecodeOutcome: Sendable {
    /// The decoder's reason when the image does not decode.
    var failure: String?
    /// The thumbnail, from the pixels the check decoded; nil when only the thumbnail could not be made.
    var thumbnail: Thumbnail?
}

extension PixelDecodeCheck {
    /// Decodes an image in full (as `failure(_:format:)` does) and keeps the pixels for a thumbnail.
    /// Blocks: call it on the image thread pool, inside a `DecodeMemoryBudget` reservation.
    static func decodeWithThumbnail(_ bytes: [UInt8], format: OutputFormat, bounds: ImageBounds = .kontext) -> DecodeOutcome {
        switch run(bytes, format: format, bounds: bounds) {
        case .success(let thumbnail): return DecodeOutcome(failure: nil, thumbnail: thumbnail)
        case .failure(.undecodable(let reason)): return DecodeOutcome(failure: reason, thumbnail: nil)
        case .failure(.thumbnailFailed): return DecodeOutcome(failure: nil, thumbnail: nil)
        }
    }

    /// A thumbnail of an image already stored (one whose thumbnail was lost, or stored before
    /// thumbnails were made at ingest), or why not. Blocks: see `ImageDecoding`.
    static func thumbnail(of bytes: [UInt8], format: OutputFormat, bounds: ImageBounds = .kontext) -> Result<Thumbnail, ThumbnailFailure> {
        run(bytes, format: format, bounds: bounds)
    }

    enum ThumbnailFailure: Error, Sendable {
        case undecodable(String)
        case thumbnailFailed(String)
    }

    private static func run(_ bytes: [UInt8], format: OutputFormat, bounds: ImageBounds) -> Result<Thumbnail, ThumbnailFailure> {
        let maxSide = Int32(clamping: bounds.maximumSide)
        let maxPixels = bounds.maximumPixels
        var jpeg: UnsafeMutablePointer<UInt8>?
        var jpegSize: UInt = 0
        var width: Int32 = 0
        var height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let thumbSide = Int32(Thumbnail.maxSide), quality = Int32(Thumbnail.quality)
        let status = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .jpg:
                    kx_jpeg_check_thumbnail(
                        base, UInt(buffer.count), maxSide, maxPixels, thumbSide, quality, &jpeg, &jpegSize, &width, &height, text.baseAddress, text.count)
                case .webp:
                    kx_webp_check_thumbnail(
                        base, buffer.count, maxSide, maxPixels, thumbSide, quality, &jpeg, &jpegSize, &width, &height, text.baseAddress, text.count)
                case .png:
                    kx_png_thumbnail(
                        base, buffer.count, maxSide, maxPixels, thumbSide, quality, &jpeg, &jpegSize, &width, &height, text.baseAddress, text.count)
                }
            }
        }
        defer { if let jpeg { kx_thumbnail_free(jpeg) } }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case 0:
            guard let jpeg, jpegSize > 0 else { return .failure(.thumbnailFailed("the encoder produced no bytes")) }
            return .success(
                Thumbnail(bytes: Array(UnsafeBufferPointer(start: jpeg, count: Int(jpegSize))), width: Int(width), height: Int(height)))
        case -2:
            return .failure(.thumbnailFailed(reason))
        default:
            return .failure(.undecodable("\(format.rawValue) does not decode: \(reason.isEmpty ? "empty image" : reason)"))
        }
    }
}


/// Where blocking decodes run outside ingestion (the thumbnail route): the image thread pool
/// ingestion uses, within the same decode memory budget — never the Swift concurrency pool.
struct ImageDecoding: Sendable {
    let pool: NIOThreadPool
    let budget: DecodeMemoryBudget

    /// Reads a stored image, decodes it and makes its thumbnail, all on the image thread pool.
    /// Throws when the file cannot be read (or the pool is shutting down).
    func thumbnail(
        ofFile path: String, format: OutputFormat, width: Int?, height: Int?, files: ImageFileStore
    ) async throws -> Result<Thumbnail, PixelDecodeCheck.ThumbnailFailure> {
        let budget = self.budget
        return try await pool.runIfActive {
            let bytes = try files.read(path: path)
            // The recorded size is verified; without one, the decoder's own bounds still apply.
            let estimate = DecodeMemoryBudget.estimate(
                byteCount: bytes.count, width: width ?? ImageBounds.kontext.maximumSide, height: height ?? ImageBounds.kontext.maximumSide)
            return budget.withReservation(estimate) { PixelDecodeCheck.thumbnail(of: bytes, format: format) }
        }
    }
}
