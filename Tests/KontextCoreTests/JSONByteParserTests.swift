import KontextCore
import Testing

@Suite struct JSONByteParserTests {
    struct Accepted: CustomTestStringConvertible, Sendable {
        let text: String
        let value: JSONValue
        var testDescription: String { text }
    }

    static let accepted: [Accepted] = [
        Accepted(text: "null", value: .null),
        Accepted(text: "true", value: .bool(true)),
        Accepted(text: "false", value: .bool(false)),
        Accepted(text: "0", value: .integer(0)),
        Accepted(text: "-0", value: .integer(0)),
        Accepted(text: "123", value: .integer(123)),
        Accepted(text: "-123", value: .integer(-123)),
        Accepted(text: "1.5", value: .double(1.5)),
        Accepted(text: "-1.5e-3", value: .double(-0.0015)),
        Accepted(text: "0.0143", value: .double(0.0143)),
        Accepted(text: "1e-07", value: .double(1e-7)),
        Accepted(text: "28.0", value: .integer(28)),
        Accepted(text: "1E2", value: .integer(100)),
        Accepted(text: "2.5E+3", value: .integer(2500)),
        Accepted(text: "1e-400", value: .integer(0)),
        Accepted(text: "\"\"", value: .string("")),
        Accepted(text: "\"plain ascii text longer than one word\"", value: .string("plain ascii text longer than one word")),
        Accepted(text: "\"caf\u{E9} \u{1F600} \u{4E2D}\u{6587}\"", value: .string("caf\u{E9} \u{1F600} \u{4E2D}\u{6587}")),
        Accepted(text: "[]", value: .array([])),
        Accepted(text: "{}", value: .object([:])),
        Accepted(text: " \t\r\n[ 1 , \"a\" , null ]\n", value: .array([.integer(1), .string("a"), .null])),
        Accepted(text: #"{"a":{"b":[]},"c":[{}]}"#, value: .object(["a": .object(["b": .array([])]), "c": .array([.object([:])])])),
        // Big integers.
        Accepted(text: "9223372036854775807", value: .integer(.max)),
        Accepted(text: "-9223372036854775808", value: .integer(.min)),
        Accepted(text: "9223372036854775808", value: .unsignedInteger(9_223_372_036_854_775_808)),
        Accepted(text: "18446744073709551615", value: .unsignedInteger(.max)),
        Accepted(text: "18446744073709551616", value: .double(18_446_744_073_709_551_616)),
        Accepted(text: "-9223372036854775809", value: .double(-0x1p63)),
        // Exponent forms of whole numbers keep their integer classification.
        Accepted(text: "1e19", value: .unsignedInteger(10_000_000_000_000_000_000)),
        Accepted(text: "1.8e19", value: .unsignedInteger(18_000_000_000_000_000_000)),
        Accepted(text: "1e20", value: .double(1e20)),
        Accepted(text: "1.8446744073709551e19", value: .double(0x1p64)),
        Accepted(text: "9007199254740993.0", value: .integer(9_007_199_254_740_993)),
        Accepted(text: "90071992547409930e-1", value: .integer(9_007_199_254_740_993)),
        Accepted(text: "-1.5e16", value: .integer(-15_000_000_000_000_000)),
    ]

    @Test(arguments: accepted)
    func parses(_ example: Accepted) throws {
        #expect(try JSONCoding.parse(example.text) == example.value)
        #expect(try JSONCoding.parse(Array(example.text.utf8)) == example.value)
    }

    static let escapes: [(json: String, text: String)] = [
        (#""\"""#, "\""),
        (#""\\""#, "\\"),
        (#""\/""#, "/"),
        (#""\b\f\n\r\t""#, "\u{8}\u{C}\n\r\t"),
        (#""\u0041\u00e9\u20AC""#, "A\u{E9}\u{20AC}"),
        (#""\u0000""#, "\u{0}"),
        (#""\u001F""#, "\u{1F}"),
        (#""\uD83D\uDE00""#, "\u{1F600}"),
        (#""\ud834\udd1e""#, "\u{1D11E}"),
        (#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
        (#""before \n after caf\u00e9 caf\#u{E9} end""#, "before \n after caf\u{E9} caf\u{E9} end"),
        (#""a long run of plain text before the escape\tand a long run after it""#, "a long run of plain text before the escape\tand a long run after it"),
    ]

    @Test(arguments: escapes)
    func decodesEscapes(json: String, text: String) throws {
        #expect(try JSONCoding.parse(json) == .string(text))
    }

    struct Rejected: CustomTestStringConvertible, Sendable {
        let bytes: [UInt8]
        let message: String
        var testDescription: String { String(decoding: bytes, as: UTF8.self).debugDescription }

        init(_ text: String, _ message: String) {
            self.bytes = Array(text.utf8)
            self.message = message
        }

        init(bytes: [UInt8], _ message: String) {
            self.bytes = bytes
            self.message = message
        }
    }

    static let rejected: [Rejected] = [
        Rejected("", "empty input"),
        Rejected("   ", "no value, only whitespace, up to offset 3"),
        Rejected(#"{"seed": 17513, "x": y}"#, "unexpected character 'y' at offset 21 (expected a value)"),
        // Trailing commas.
        Rejected("[1,2,]", "trailing comma at offset 4 before ']' at offset 5"),
        Rejected(#"{"a":1, }"#, "trailing comma at offset 6 before '}' at offset 8"),
        // Comments.
        Rejected("// note\n1", "unexpected character '/' at offset 0 (expected a value)"),
        Rejected("[1] /* note */", "unexpected character '/' after the value at offset 4"),
        Rejected("[1 /* note */]", "unexpected character '/' at offset 3 (expected ',' or ']' in the array starting at offset 0)"),
        // Numbers.
        Rejected("01", "leading zero in the number at offset 0"),
        Rejected("[-012]", "leading zero in the number at offset 1"),
        Rejected("NaN", "unexpected character 'N' at offset 0 (expected a value)"),
        Rejected("[Infinity]", "unexpected character 'I' at offset 1 (expected a value)"),
        Rejected("-Infinity", "unexpected character 'I' at offset 1 (expected a digit in the number at offset 0)"),
        Rejected("-", "unexpected end of input at offset 1 (expected a digit in the number at offset 0)"),
        Rejected("1.", "unexpected end of input at offset 2 (expected a digit after '.' in the number at offset 0)"),
        Rejected("1.e3", "unexpected character 'e' at offset 2 (expected a digit after '.' in the number at offset 0)"),
        Rejected(".5", "unexpected character '.' at offset 0 (expected a value)"),
        Rejected("+1", "unexpected character '+' at offset 0 (expected a value)"),
        Rejected("1e", "unexpected end of input at offset 2 (expected a digit in the exponent in the number at offset 0)"),
        Rejected("[1e+]", "unexpected character ']' at offset 4 (expected a digit in the exponent in the number at offset 1)"),
        Rejected("0x10", "unexpected character 'x' after the value at offset 1"),
        Rejected("1e400", "number 1e400 at offset 0 is out of range"),
        Rejected("[-1e400]", "number -1e400 at offset 1 is out of range"),
        // Strings.
        Rejected("\"a\u{1}b\"", "unescaped control character 0x01 in a string at offset 2"),
        Rejected("\"a\tb\"", "unescaped control character 0x09 in a string at offset 2"),
        Rejected("\"x\\n\nb\"", "unescaped control character 0x0A in a string at offset 4"),
        Rejected("\"abc", "unterminated string starting at offset 0"),
        Rejected("[\"abc\\\"]", "unterminated string starting at offset 1"),
        Rejected("\"abc\\", "unterminated string starting at offset 0"),
        Rejected(#""\x""#, "invalid escape '\\x' at offset 1"),
        Rejected(#""\'""#, "invalid escape '\\'' at offset 1"),
        Rejected(#""\u12G4""#, "unexpected character 'G' at offset 5 in the \\u escape at offset 1 (expected 4 hex digits)"),
        Rejected(#""\u12""#, "unexpected character '\"' at offset 5 in the \\u escape at offset 1 (expected 4 hex digits)"),
        Rejected(#""\ud800""#, "lone high surrogate \\uD800 at offset 1 (no \\u low surrogate follows)"),
        Rejected(#""ab\uDBFFx""#, "lone high surrogate \\uDBFF at offset 3 (no \\u low surrogate follows)"),
        Rejected(#""\ud800\u0041""#, "lone high surrogate \\uD800 at offset 1 (followed by \\u0041, not a low surrogate)"),
        Rejected(#""\udc00""#, "lone low surrogate \\uDC00 at offset 1"),
        Rejected(#""\uDE00\uD83D""#, "lone low surrogate \\uDE00 at offset 1"),
        // Literals and structure.
        Rejected("tru", "unexpected end of input at offset 3 (expected 'true' at offset 0)"),
        Rejected("[nulL]", "unexpected character 'L' at offset 4 (expected 'null' at offset 1)"),
        Rejected("True", "unexpected character 'T' at offset 0 (expected a value)"),
        Rejected("true false", "unexpected character 'f' after the value at offset 5"),
        Rejected(#"{"a" 1}"#, "unexpected character '1' at offset 5 (expected ':' after the key)"),
        Rejected("{a:1}", "unexpected character 'a' at offset 1 (expected a string key)"),
        Rejected("{'a':1}", "unexpected character ''' at offset 1 (expected a string key)"),
        Rejected(#"{"a":1 "b":2}"#, "unexpected character '\"' at offset 7 (expected ',' or '}' in the object starting at offset 0)"),
        Rejected("[1,", "unexpected end of input at offset 3 (expected a value)"),
        Rejected("[", "unexpected end of input at offset 1 (expected a value)"),
        Rejected(#"{"a":1"#, "unterminated object starting at offset 0 (input ends at offset 6)"),
        Rejected("[[1]", "unterminated array starting at offset 0 (input ends at offset 4)"),
        Rejected("[1]]", "unexpected character ']' after the value at offset 3"),
        Rejected("\u{FEFF}{}", "unexpected byte 0xEF at offset 0 (expected a value)"),
        Rejected("[1,\u{B}2]", "unexpected byte 0x0B at offset 3 (expected a value)"),
        // Invalid UTF-8, in and out of strings.
        Rejected(bytes: [0x22, 0xFF, 0x22], "invalid UTF-8 byte 0xFF at offset 1 in the string starting at offset 0"),
        Rejected(bytes: [0x22, 0x61, 0x80, 0x22], "invalid UTF-8 byte 0x80 at offset 2 in the string starting at offset 0"),
        Rejected(bytes: [0x5B, 0x22, 0x61, 0xC3, 0x22, 0x5D], "invalid UTF-8 byte 0xC3 at offset 3 in the string starting at offset 1"),
        Rejected(bytes: [0x22, 0xC0, 0xAF, 0x22], "invalid UTF-8 byte 0xC0 at offset 1 in the string starting at offset 0"),
        Rejected(bytes: [0x22, 0xE0, 0x80, 0xAF, 0x22], "invalid UTF-8 byte 0xE0 at offset 1 in the string starting at offset 0"),
        Rejected(bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 byte 0xED at offset 1 in the string starting at offset 0"),
        Rejected(bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8 byte 0xF4 at offset 1 in the string starting at offset 0"),
        Rejected(bytes: [0x22, 0xF0, 0x9F, 0x98, 0x22], "invalid UTF-8 byte 0xF0 at offset 1 in the string starting at offset 0"),
        Rejected(bytes: [0x22, 0x5C, 0x6E, 0x61, 0xFE, 0x22], "invalid UTF-8 byte 0xFE at offset 4 in the string starting at offset 0"),
        Rejected(bytes: Array(#""\u00e9 and then "#.utf8) + [0xC3, 0x28, 0x22], "invalid UTF-8 byte 0xC3 at offset 17 in the string starting at offset 0"),
        Rejected(bytes: [0x5B, 0xFF, 0x5D], "unexpected byte 0xFF at offset 1 (expected a value)"),
    ]

    @Test(arguments: rejected)
    func rejects(_ example: Rejected) {
        #expect {
            _ = try JSONCoding.parse(example.bytes)
        } throws: { error in
            (error as? JSONParseError)?.message == example.message
        }
    }

    @Test func errorDescriptionMarksJSON() {
        let error = JSONParseError(message: "empty input")
        #expect(error.description == "invalid JSON: empty input")
    }

    @Test func nestingUpToTheLimitIsRead() throws {
        let depth = 512
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var expected = JSONValue.array([])
        for _ in 1..<depth { expected = .array([expected]) }
        #expect(try JSONCoding.parse(text) == expected)

        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        var expectedObject = JSONValue.object([:])
        for _ in 1..<depth { expectedObject = .object(["a": expectedObject]) }
        #expect(try JSONCoding.parse(objects) == expectedObject)
    }

    @Test func nestingPastTheLimitIsRejected() {
        let arrays = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: JSONParseError(message: "nesting deeper than 512 at offset 512")) {
            try JSONCoding.parse(arrays)
        }
        // Five bytes per level, so the 513th object opens at offset 512 * 5.
        let objects = String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513)
        #expect(throws: JSONParseError(message: "nesting deeper than 512 at offset 2560")) {
            try JSONCoding.parse(objects)
        }
        // Hostile input far deeper than any stack would take, never closed.
        #expect(throws: JSONParseError(message: "nesting deeper than 512 at offset 512")) {
            try JSONCoding.parse(String(repeating: "[", count: 1_000_000))
        }
    }

    @Test func repeatedKeyKeepsTheFirstValueLikeFoundation() throws {
        let text = #"{"a":1,"b":[],"a":2,"a":{"c":3}}"#
        let parsed = try JSONCoding.parse(text)
        #expect(parsed == .object(["a": .integer(1), "b": .array([])]))
        #expect(parsed == (try FoundationJSONReference.decode(Array(text.utf8))))
    }

    @Test func canonicallyEquivalentKeysAreOneKey() throws {
        // Swift compares strings by canonical equivalence, so "é" precomposed and decomposed
        // are the same dictionary key: the first spelling and value stay.
        let parsed = try JSONCoding.parse(#"{"e\u0301":1,"\u00e9":2}"#)
        #expect(parsed.objectValue?.count == 1)
        #expect(parsed["\u{E9}"] == .integer(1))
    }

    @Test func readsEveryKindOfByteCollection() throws {
        let text = #"{"k":[1,"v"]}"#
        let expected = JSONValue.object(["k": .array([.integer(1), .string("v")])])
        let padded = Array("xx\(text)yy".utf8)
        #expect(try JSONCoding.parse(padded[2..<(padded.count - 2)]) == expected)
        // No contiguous storage: the parser copies once and reads the copy.
        #expect(try JSONCoding.parse(Array(text.utf8).lazy.map { $0 }) == expected)
        #expect(try JSONCoding.parse(text.utf8) == expected)
        #expect(try JSONCoding.parse(Substring("  \(text)  ").utf8) == expected)
    }

    @Test func longStringsKeepEveryByte() throws {
        // Long enough to cross many eight-byte words, with specials at every alignment.
        var text = ""
        for index in 0..<300 {
            text += String(repeating: "x", count: index % 11)
            text += ["\u{E9}", "\n", "\"", "\\", "\u{1F600}", "/", "\u{1}", "\u{7F}"][index % 8]
        }
        let encoded = JSONCoding.encode(.string(text))
        #expect(try JSONCoding.parse(encoded) == .string(text))
        #expect(encoded == (try FoundationJSONReference.encode(.string(text))))
    }
}
