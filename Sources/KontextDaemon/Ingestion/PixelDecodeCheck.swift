import CImageCodecs
import KontextCore

/// The last check before an image is kept: decode the image data with libjpeg-turbo or libwebp.
/// Structural verification (`ImageVerifier`) cannot see damage inside a JPEG's scan data or a
/// WEBP's VP8/VP8L payload, which carry no checksum; decoding them does (libjpeg-turbo's warnings
/// count as errors). A PNG needs no decode here: `ImageVerifier` has already checked the CRC-32
/// of every chunk, image data included, which catches damage a decode could miss.
enum PixelDecodeCheck {
    /// The formats whose payload has no checksum of its own, so only a decode can vouch for it.
    static func needsDecode(_ format: OutputFormat) -> Bool {
        format != .png
    }

    /// Nil when `bytes` decode completely as `format`; otherwise the decoder's reason.
    static func failure(_ bytes: [UInt8], format: OutputFormat) -> String? {
        var width: Int32 = 0
        var height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .jpg: kx_jpeg_decode_check(base, UInt(buffer.count), &width, &height, text.baseAddress, text.count)
                case .png: kx_png_decode_check(base, buffer.count, &width, &height, text.baseAddress, text.count)
                case .webp: kx_webp_decode_check(base, buffer.count, &width, &height, text.baseAddress, text.count)
                }
            }
        }
        guard status != 0 else { return nil }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(format.rawValue) does not decode: \(reason.isEmpty ? "empty image" : reason)"
    }
}
