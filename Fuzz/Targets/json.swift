// libFuzzer target: the byte-level JSON parser. Whatever it accepts must encode and parse back to
// the same value; nothing may trap (overflow, bounds, stack).
import KontextCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONCoding.parse(bytes) else { return 0 }
    let encoded = JSONCoding.encode(value)
    guard let again = try? JSONCoding.parse(encoded) else {
        fatalError("the encoder wrote JSON its parser refuses: \(String(decoding: encoded, as: UTF8.self))")
    }
    // Doubles may be re-read as integers (1.0 → 1) by design; compare encodings, which are canonical.
    guard JSONCoding.encode(again) == encoded else {
        fatalError("round trip changed the value: \(String(decoding: encoded, as: UTF8.self))")
    }
    return 0
}
