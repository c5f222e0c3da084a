// libFuzzer target: the jpeg structure check, then — for what it accepts — the decode check
// the ingestor runs next (libpng/libjpeg-turbo/libwebp through the CImageCodecs shim), with the
// same bounds. Anything the structure check passes must be safe to hand to the decoder.
import CImageCodecs
import KontextCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard case .success(let image) = ImageVerifier.verify(bytes, expectedFormat: .jpg, expectedSize: nil) else { return 0 }
    guard ImageBounds.kontext.violation(ImageSize(width: image.width, height: image.height)) == nil else {
        fatalError("verified an image beyond the bounds: \(image)")
    }
    var width: Int32 = 0
    var height: Int32 = 0
    var message = [CChar](repeating: 0, count: 256)
    bytes.withUnsafeBufferPointer { buffer in
        message.withUnsafeMutableBufferPointer { text in
            _ = kx_jpeg_decode_check(
                buffer.baseAddress!, UInt(buffer.count), Int32(ImageBounds.kontext.maximumSide), ImageBounds.kontext.maximumPixels,
                &width, &height, text.baseAddress, text.count)
        }
    }
    return 0
}
