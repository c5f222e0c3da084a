import CImageCodecs
import KontextCore
import KontextCrypto

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
    /// The thumbnail, from the pixels the check decoded; nil for PNG (not decoded at ingest) or
    /// when only the thumbnail could not be made.
    var thumbnail: Thumbnail?
}

extension PixelDecodeCheck {
    /// Decodes a JPEG or WEBP (as `failure(_:format:)` does) and keeps the pixels for a thumbnail.
    /// PNG is not decoded here (its CRCs vouch for it): its outcome carries no thumbnail.
    static func decodeWithThumbnail(_ bytes: [UInt8], format: OutputFormat, bounds: ImageBounds = .kontext) -> DecodeOutcome {
        guard needsDecode(format) else { return DecodeOutcome(failure: nil, thumbnail: nil) }
        switch run(bytes, format: format, bounds: bounds) {
        case .success(let thumbnail): return DecodeOutcome(failure: nil, thumbnail: thumbnail)
        case .failure(.undecodable(let reason)): return DecodeOutcome(failure: reason, thumbnail: nil)
        case .failure(.thumbnailFailed): return DecodeOutcome(failure: nil, thumbnail: nil)
        }
    }

    /// A thumbnail of an image already stored (a PNG's, made on first request), or why not.
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
