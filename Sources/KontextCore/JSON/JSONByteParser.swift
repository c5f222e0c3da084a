/// Reads one JSON document (RFC 8259, strictly) from contiguous UTF-8 bytes into a `JSONValue`.
///
/// Strict means: one value with only whitespace around it, no trailing commas, no comments,
/// no leading zeros, no NaN or Infinity, no raw control characters in strings, well-formed
/// UTF-8, no lone surrogates in `\u` escapes. Containers nest at most `maximumDepth` deep so
/// hostile input cannot exhaust the stack. Where an object repeats a key the first value is
/// kept, as the Foundation decoder this parser replaced did.
///
/// Numbers keep the classification the daemon has always stored: a literal that denotes a whole
/// number fitting `Int64` is `.integer` (`28`, `28.0`, `1e3`), one above `Int64.max` up to
/// `UInt64.max` is `.unsignedInteger`, anything else is `.double`.
///
/// Every error names what was wrong and the byte offset where it was found.
struct JSONByteParser {
    /// How many arrays and objects may be open at once.
    static let maximumDepth = 512

    private let base: UnsafePointer<UInt8>
    private let end: Int
    private var position = 0
    private var depth = 0
    /// Decoded bytes of the current escaped string, reused so escapes cost no allocation each.
    private var scratch: [UInt8] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no address; any valid pointer serves since nothing is read.
        self.base = bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!
        self.end = bytes.count
    }

    /// Parses `bytes` as a complete document; a `Result` so it can run inside the untyped
    /// `withContiguousStorageIfAvailable` / `withUTF8` closures without losing the error type.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
        var parser = JSONByteParser(bytes: bytes)
        do {
            return .success(try parser.parseDocument())
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Document and values

    private mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard position < end else {
            throw JSONParseError(message: end == 0 ? "empty input" : "no value, only whitespace, up to offset \(end)")
        }
        let value = try parseValue()
        skipWhitespace()
        guard position == end else {
            throw JSONParseError(message: "\(describeByte(at: position)) after the value at offset \(position)")
        }
        return value
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < end else { throw endOfInput(expecting: "a value") }
        switch base[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw unexpected(expecting: "a value")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        for offset in 0..<count {
            let index = start + offset
            guard index < end else {
                throw JSONParseError(message: "unexpected end of input at offset \(index) (expected '\(literal)' at offset \(start))")
            }
            guard base[index] == literal.utf8Start[offset] else {
                throw JSONParseError(message: "\(describeByte(at: index)) at offset \(index) (expected '\(literal)' at offset \(start))")
            }
        }
        position = start + count
    }

    // MARK: - Containers

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw JSONParseError(message: "nesting deeper than \(Self.maximumDepth) at offset \(position)")
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        let open = position
        try enterContainer()
        position += 1
        skipWhitespace()
        var elements: [JSONValue] = []
        if position < end, base[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard position < end else { throw unterminated("array", startingAt: open) }
            switch base[position] {
            case UInt8(ascii: ","):
                let comma = position
                position += 1
                skipWhitespace()
                if position < end, base[position] == UInt8(ascii: "]") {
                    throw JSONParseError(message: "trailing comma at offset \(comma) before ']' at offset \(position)")
                }
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elements)
            default:
                throw unexpected(expecting: "',' or ']' in the array starting at offset \(open)")
            }
        }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        let open = position
        try enterContainer()
        position += 1
        skipWhitespace()
        var members: [String: JSONValue] = [:]
        if position < end, base[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            guard position < end else { throw unterminated("object", startingAt: open) }
            guard base[position] == UInt8(ascii: "\"") else { throw unexpected(expecting: "a string key") }
            let key = try parseString()
            skipWhitespace()
            guard position < end else { throw unterminated("object", startingAt: open) }
            guard base[position] == UInt8(ascii: ":") else { throw unexpected(expecting: "':' after the key") }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            // Inout access through the defaulted subscript inserts `value` only when the key is
            // new, in one hash lookup: a repeated key keeps its first value.
            Self.keep(&members[key, default: value])
            skipWhitespace()
            guard position < end else { throw unterminated("object", startingAt: open) }
            switch base[position] {
            case UInt8(ascii: ","):
                let comma = position
                position += 1
                skipWhitespace()
                if position < end, base[position] == UInt8(ascii: "}") {
                    throw JSONParseError(message: "trailing comma at offset \(comma) before '}' at offset \(position)")
                }
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(members)
            default:
                throw unexpected(expecting: "',' or '}' in the object starting at offset \(open)")
            }
        }
    }

    @inline(__always)
    private static func keep(_ value: inout JSONValue) {}

    // MARK: - Strings

    /// Reads the string whose opening quote is at `position`.
    private mutating func parseString() throws(JSONParseError) -> String {
        let open = position
        var index = open + 1
        var sawNonASCII = false
        while true {
            index = JSONStringScanning.endOfPlainASCII(in: base, from: index, to: end)
            guard index < end else { throw unterminatedString(startingAt: open) }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return try makeString(from: open + 1, to: index, checkingUTF8: sawNonASCII, stringStart: open)
            }
            if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(open: open, firstEscape: index)
            }
            if byte < 0x20 { throw controlCharacter(at: index) }
            sawNonASCII = true
            index += 1
        }
    }

    /// The slow path: the string holds escapes, so it is decoded into `scratch` first.
    private mutating func parseEscapedString(open: Int, firstEscape: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + open + 1, count: firstEscape - open - 1))
        var index = firstEscape
        while true {
            let runEnd = Self.endOfRawRun(in: base, from: index, to: end)
            if runEnd > index {
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + index, count: runEnd - index))
                index = runEnd
            }
            guard index < end else { throw unterminatedString(startingAt: open) }
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                break
            }
            if byte < 0x20 { throw controlCharacter(at: index) }
            // A backslash.
            guard index + 1 < end else { throw unterminatedString(startingAt: open) }
            let escape = base[index + 1]
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                index = try decodeUnicodeEscape(at: index, stringStart: open)
                continue
            default:
                throw JSONParseError(message: "invalid escape '\\\(Self.printable(escape))' at offset \(index)")
            }
            index += 2
        }
        let closing = position - 1
        // Escapes always decode to well-formed UTF-8, so only raw bytes can be ill-formed and
        // the raw input is where the offending offset lies.
        if let text = String(validating: scratch, as: UTF8.self) { return text }
        throw invalidUTF8(from: open + 1, to: closing, stringStart: open)
    }

    /// Decodes `\uXXXX` (and its low-surrogate partner) at `index` into `scratch`; returns the
    /// index after the escape.
    private mutating func decodeUnicodeEscape(at index: Int, stringStart: Int) throws(JSONParseError) -> Int {
        let unit = try hexQuad(at: index + 2, escapeAt: index, stringStart: stringStart)
        var scalarValue = UInt32(unit)
        var next = index + 6
        switch unit {
        case 0xD800...0xDBFF:
            guard next + 1 < end, base[next] == UInt8(ascii: "\\"), base[next + 1] == UInt8(ascii: "u") else {
                throw JSONParseError(message: "lone high surrogate \\u\(Self.hex(unit)) at offset \(index) (no \\u low surrogate follows)")
            }
            let low = try hexQuad(at: next + 2, escapeAt: next, stringStart: stringStart)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw JSONParseError(message: "lone high surrogate \\u\(Self.hex(unit)) at offset \(index) (followed by \\u\(Self.hex(low)), not a low surrogate)")
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            throw JSONParseError(message: "lone low surrogate \\u\(Self.hex(unit)) at offset \(index)")
        default:
            break
        }
        // Surrogates were excluded above, so every value here is a Unicode scalar.
        let scalar = Unicode.Scalar(scalarValue)!
        for unit in UTF8.encode(scalar)! { scratch.append(unit) }
        return next
    }

    private func hexQuad(at start: Int, escapeAt escape: Int, stringStart: Int) throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for index in start..<(start + 4) {
            guard index < end else { throw unterminatedString(startingAt: stringStart) }
            let byte = base[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default:
                throw JSONParseError(message: "\(describeByte(at: index)) at offset \(index) in the \\u escape at offset \(escape) (expected 4 hex digits)")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// The end of a run of bytes copied verbatim into an escaped string (anything but a quote,
    /// a backslash or a control character; non-ASCII included, validated at the end).
    @inline(__always)
    private static func endOfRawRun(in base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var index = start
        while true {
            index = JSONStringScanning.endOfPlainASCII(in: base, from: index, to: end)
            guard index < end, base[index] >= 0x80 else { return index }
            index += 1
        }
    }

    private func makeString(from start: Int, to stop: Int, checkingUTF8: Bool, stringStart: Int) throws(JSONParseError) -> String {
        let content = UnsafeBufferPointer(start: base + start, count: stop - start)
        guard checkingUTF8 else { return String(decoding: content, as: UTF8.self) }
        if let text = String(validating: content, as: UTF8.self) { return text }
        throw invalidUTF8(from: start, to: stop, stringStart: stringStart)
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var index = start
        let negative = base[index] == UInt8(ascii: "-")
        if negative { index += 1 }

        let integerStart = index
        guard index < end else { throw numberError("expected a digit", at: index, numberStart: start) }
        var magnitude: UInt64 = 0
        var overflow = false
        switch base[index] {
        case UInt8(ascii: "0"):
            index += 1
            if index < end, Self.isDigit(base[index]) {
                throw JSONParseError(message: "leading zero in the number at offset \(start)")
            }
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            while index < end, Self.isDigit(base[index]) {
                let (shifted, shiftOverflow) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, sumOverflow) = shifted.addingReportingOverflow(UInt64(base[index] - UInt8(ascii: "0")))
                overflow = overflow || shiftOverflow || sumOverflow
                magnitude = sum
                index += 1
            }
        default:
            throw numberError("expected a digit", at: index, numberStart: start)
        }
        let integerDigits = integerStart..<index

        var fractionDigits = index..<index
        var isPlainInteger = true
        if index < end, base[index] == UInt8(ascii: ".") {
            isPlainInteger = false
            index += 1
            let fractionStart = index
            while index < end, Self.isDigit(base[index]) { index += 1 }
            guard index > fractionStart else { throw numberError("expected a digit after '.'", at: index, numberStart: start) }
            fractionDigits = fractionStart..<index
        }
        var exponent = 0
        if index < end, base[index] | 0x20 == UInt8(ascii: "e") {
            isPlainInteger = false
            index += 1
            var exponentNegative = false
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            while index < end, Self.isDigit(base[index]) {
                // Saturate: any exponent this large already over- or underflows a Double.
                exponent = min(exponent * 10 + Int(base[index] - UInt8(ascii: "0")), 1 << 40)
                index += 1
            }
            guard index > exponentStart else { throw numberError("expected a digit in the exponent", at: index, numberStart: start) }
            if exponentNegative { exponent = -exponent }
        }
        position = index

        if isPlainInteger, !overflow {
            if let integer = Self.signedInteger(magnitude: magnitude, negative: negative) { return integer }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw JSONParseError(message: "number \(text) at offset \(start) is out of range")
        }
        guard double.rounded(.towardZero) == double else { return .double(double) }
        // A whole number: below 2^53 the Double is exact; above, only the digits can tell. As in
        // the Foundation decoder, the rounded Double must itself be in 64-bit range (so
        // `1.8446744073709551e19`, which rounds to 2^64, stays a double).
        if double.magnitude < 0x1p53 { return .integer(Int64(double)) }
        if double >= -0x1p63, double < 0x1p64, let literal = JSONIntegralLiteral(
            base: base, integerDigits: integerDigits, fractionDigits: fractionDigits, exponent: exponent),
            let integer = Self.signedInteger(magnitude: literal.magnitude, negative: negative) {
            return integer
        }
        return .double(double)
    }

    /// The value of `±magnitude` as `.integer` or `.unsignedInteger`, nil when it fits neither.
    private static func signedInteger(magnitude: UInt64, negative: Bool) -> JSONValue? {
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return .integer(Int64(truncatingIfNeeded: 0 &- magnitude))
        }
        if magnitude <= UInt64(Int64.max) { return .integer(Int64(magnitude)) }
        return .unsignedInteger(magnitude)
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    // MARK: - Whitespace

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < end {
            switch base[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    // MARK: - Errors

    private func endOfInput(expecting what: String) -> JSONParseError {
        JSONParseError(message: "unexpected end of input at offset \(position) (expected \(what))")
    }

    private func unexpected(expecting what: String) -> JSONParseError {
        JSONParseError(message: "\(describeByte(at: position)) at offset \(position) (expected \(what))")
    }

    private func unterminated(_ container: String, startingAt open: Int) -> JSONParseError {
        JSONParseError(message: "unterminated \(container) starting at offset \(open) (input ends at offset \(end))")
    }

    private func unterminatedString(startingAt open: Int) -> JSONParseError {
        JSONParseError(message: "unterminated string starting at offset \(open)")
    }

    private func controlCharacter(at index: Int) -> JSONParseError {
        JSONParseError(message: "unescaped control character \(Self.hexByte(base[index])) in a string at offset \(index)")
    }

    private func numberError(_ what: String, at index: Int, numberStart: Int) -> JSONParseError {
        guard index < end else {
            return JSONParseError(message: "unexpected end of input at offset \(index) (\(what) in the number at offset \(numberStart))")
        }
        return JSONParseError(message: "\(describeByte(at: index)) at offset \(index) (\(what) in the number at offset \(numberStart))")
    }

    private func invalidUTF8(from start: Int, to stop: Int, stringStart: Int) -> JSONParseError {
        let offset = UTF8Fault.firstInvalidIndex(in: base, from: start, to: stop) ?? start
        return JSONParseError(message: "invalid UTF-8 byte \(Self.hexByte(base[offset])) at offset \(offset) in the string starting at offset \(stringStart)")
    }

    /// "unexpected character 'x'" for printable ASCII, "unexpected byte 0xFF" otherwise.
    private func describeByte(at index: Int) -> String {
        let byte = base[index]
        if byte >= 0x21, byte < 0x7F { return "unexpected character '\(Self.printable(byte))'" }
        return "unexpected byte \(Self.hexByte(byte))"
    }

    private static func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : hexByte(byte)
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0" + digits : "0x" + digits
    }

    private static func hex(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
