/// Writes a `JSONValue` as compact JSON bytes, byte for byte what Foundation's `JSONEncoder`
/// with `[.sortedKeys, .withoutEscapingSlashes]` wrote before it (stored request hashes depend
/// on that):
///
/// - object keys in the lexicographic order of their UTF-8 bytes (what `.sortedKeys` does
///   outside Apple platforms);
/// - strings escape only `"`, `\`, and control characters (`\b \f \n \r \t`, others `\u00XX`
///   in lowercase hex); `/` and non-ASCII text are written as they are;
/// - integers in decimal; doubles as Swift's shortest round-trip `description`, with a trailing
///   `.0` dropped (`7.5`, `28`, `1e-07`, `1e+16`);
/// - a non-finite double, which JSON cannot carry, as `null` (Foundation refused the whole value).
struct JSONByteEncoder {
    /// The bytes written so far.
    private(set) var output: [UInt8] = []

    /// Starts with room for `capacity` bytes.
    init(capacity: Int) {
        output.reserveCapacity(capacity)
    }

    /// Appends `value`.
    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            append("null")
        case .bool(let flag):
            append(flag ? "true" : "false")
        case .integer(let number):
            writeDecimal(number.magnitude, negative: number < 0)
        case .unsignedInteger(let number):
            writeDecimal(number, negative: false)
        case .double(let number):
            writeDouble(number)
        case .string(let text):
            writeString(text)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            var first = true
            for member in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(member.key)
                output.append(UInt8(ascii: ":"))
                write(member.value)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private mutating func append(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func writeDecimal(_ magnitude: UInt64, negative: Bool) {
        if negative { output.append(UInt8(ascii: "-")) }
        let start = output.count
        var rest = magnitude
        repeat {
            output.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10))
            rest /= 10
        } while rest > 0
        output[start...].reverse()
    }

    private mutating func writeDouble(_ number: Double) {
        guard number.isFinite else {
            append("null")
            return
        }
        let text = number.description
        var utf8 = text.utf8[...]
        if utf8.count >= 2, utf8.last == UInt8(ascii: "0"), utf8.dropLast().last == UInt8(ascii: ".") {
            utf8 = utf8.dropLast(2)
        }
        output.append(contentsOf: utf8)
    }

    private mutating func writeString(_ text: String) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { content in
            guard let base = content.baseAddress else { return }
            let end = content.count
            var runStart = 0
            var index = 0
            while index < end {
                index = JSONStringScanning.endOfPlainASCII(in: base, from: index, to: end)
                guard index < end else { break }
                let byte = base[index]
                // Non-ASCII bytes are copied as they are; the run continues past them.
                if byte >= 0x80 {
                    index += 1
                    continue
                }
                output.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
                writeEscape(for: byte)
                index += 1
                runStart = index
            }
            output.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: end - runStart))
        }
        output.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscape(for byte: UInt8) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(byte)
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        case 0x09: output.append(UInt8(ascii: "t"))
        default:
            let hexDigits: StaticString = "0123456789abcdef"
            append("u00")
            output.append(hexDigits.utf8Start[Int(byte >> 4)])
            output.append(hexDigits.utf8Start[Int(byte & 0x0F)])
        }
    }
}
