// libFuzzer target: the Runware envelope / webhook body parser, and inline image data decoding
// of every result it finds (what the webhook receiver and the ingestor do with a body).
import KontextCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let envelope = try? RunwareEnvelope.parse(bytes) else {
        // Not an envelope: still exercise the inline decoders on the raw text.
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? InlineImageData.decode(.base64(text))
        _ = try? InlineImageData.decode(.dataURI(text))
        return 0
    }
    for result in envelope.results {
        if let decoded = try? InlineImageData.decode(result.source).bytes,
            let format = ImageVerifier.sniff(decoded) {
            _ = ImageVerifier.verify(decoded, expectedFormat: format, expectedSize: nil)
        }
    }
    _ = envelope.failures.map(\.description)
    return 0
}
