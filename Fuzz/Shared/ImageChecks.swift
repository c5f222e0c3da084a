// Shared by the image fuzz targets: the structure check for `format`, then — for what it
// accepts — the decode check the ingestor runs next (libpng/libjpeg-turbo/libwebp through the
// CImageCodecs shim), with the same bounds. Anything the structure check passes must be safe to
// hand to the decoder, and nothing it passes may exceed the model's largest image.
import CImageCodecs
import KontextCore

func checkImage(_ data: UnsafePointer<UInt8>?, _ size: Int, as format: OutputFormat) {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard case .success(let image) = ImageVerifier.verify(bytes, expectedFormat: format, expectedSize: nil) else { return }
    guard ImageBounds.kontext.violation(ImageSize(width: image.width, height: image.height)) == nil else {
        fatalError("verified an image beyond the bounds: \(image)")
    }
    var width: Int32 = 0
    var height: Int32 = 0
    var message = [CChar](repeating: 0, count: 256)
    let maxSide = Int32(ImageBounds.kontext.maximumSide)
    let maxPixels = ImageBounds.kontext.maximumPixels
    bytes.withUnsafeBufferPointer { buffer in
        message.withUnsafeMutableBufferPointer { text in
            let base = buffer.baseAddress!
            switch format {
            case .png: _ = kx_png_decode_check(base, buffer.count, maxSide, maxPixels, &width, &height, text.baseAddress, text.count)
            case .jpg: _ = kx_jpeg_decode_check(base, UInt(buffer.count), maxSide, maxPixels, &width, &height, text.baseAddress, text.count)
            case .webp: _ = kx_webp_decode_check(base, buffer.count, maxSide, maxPixels, &width, &height, text.baseAddress, text.count)
            }
        }
    }
}
