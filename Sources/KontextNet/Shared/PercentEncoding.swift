/// RFC 3986 percent-encoding: every byte of the UTF-8 text except the unreserved characters
/// (`A–Z a–z 0–9 - . _ ~`) becomes `%XX` with uppercase hex. This is what AWS Signature V4 wants
/// for each key segment, and what makes data safe as one URL path segment or query value.
package enum PercentEncoding {
    /// `text` with everything but unreserved characters percent-encoded.
    package static func allButUnreserved(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
