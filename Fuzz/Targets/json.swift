// libFuzzer target: the byte-level JSON parser. Whatever it accepts must encode to JSON that parses
// back to the same value, and encoding must be stable from then on; nothing may trap (overflow,
// bounds, stack).
//
// "The same value" compares numbers by value, not by case: a literal such as
// 184467440637095512.52 is not a whole number, so it parses as `.double`, but that double is
// whole (every double above 2^53 is) and prints as 1.8446744063709552e+17, which denotes a whole
// number and so parses back as `.integer` of the same value. Found by this target; kept as a
// regression test (JSONRoundTripTests).
import KontextCore

func sameValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy(sameValue)
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, value in y[key].map { sameValue(value, $0) } ?? false }
    case (.double, _), (_, .double):
        guard let x = a.doubleValue, let y = b.doubleValue else { return a == b }
        return x == y
    default:
        return a == b
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONCoding.parse(bytes) else { return 0 }
    let encoded = JSONCoding.encode(value)
    guard let again = try? JSONCoding.parse(encoded) else {
        fatalError("the encoder wrote JSON its parser refuses: \(String(decoding: encoded, as: UTF8.self))")
    }
    guard sameValue(value, again) else {
        fatalError("round trip changed the value: \(String(decoding: encoded, as: UTF8.self))")
    }
    let reencoded = JSONCoding.encode(again)
    guard let third = try? JSONCoding.parse(reencoded), JSONCoding.encode(third) == reencoded else {
        fatalError("encoding is not stable after one round trip: \(String(decoding: reencoded, as: UTF8.self))")
    }
    return 0
}
