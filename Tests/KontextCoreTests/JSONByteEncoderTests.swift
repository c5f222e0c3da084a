import KontextCore
import Testing

@Suite struct JSONByteEncoderTests {
    static let strings: [(text: String, json: String)] = [
        ("", #""""#),
        ("plain", #""plain""#),
        ("a\"b", #""a\"b""#),
        ("back\\slash", #""back\\slash""#),
        ("https://im.runware.ai/image/a/b.jpg", #""https://im.runware.ai/image/a/b.jpg""#),
        ("\u{8}\u{C}\n\r\t", #""\b\f\n\r\t""#),
        ("\u{0}\u{1}\u{1F}\u{B}", #""\u0000\u0001\u001f\u000b""#),
        ("del\u{7F}", "\"del\u{7F}\""),
        ("caf\u{E9} \u{1F600} \u{4E2D} \u{2028}", "\"caf\u{E9} \u{1F600} \u{4E2D} \u{2028}\""),
        ("a long run of plain text\nthen \"quoted\" then more plain text", #""a long run of plain text\nthen \"quoted\" then more plain text""#),
    ]

    @Test(arguments: strings)
    func escapesOnlyWhatJSONRequires(text: String, json: String) throws {
        #expect(JSONCoding.encodeString(.string(text)) == json)
        #expect(JSONCoding.encode(.string(text)) == (try FoundationJSONReference.encode(.string(text))))
        #expect(try JSONCoding.parse(json) == .string(text))
    }

    static let doubles: [(value: Double, json: String)] = [
        (7.5, "7.5"),
        (0.0143, "0.0143"),
        (28.0, "28"),
        (-0.0, "-0"),
        (1e-7, "1e-07"),
        (1e16, "1e+16"),
        (0.1 + 0.2, "0.30000000000000004"),
        (.leastNonzeroMagnitude, "5e-324"),
        (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (-123456.789, "-123456.789"),
        (9_007_199_254_740_994, "9.007199254740994e+15"),
    ]

    @Test(arguments: doubles)
    func writesDoublesAsTheShortestRoundTrip(value: Double, json: String) throws {
        #expect(JSONCoding.encodeString(.double(value)) == json)
        #expect(JSONCoding.encode(.double(value)) == (try FoundationJSONReference.encode(.double(value))))
        #expect(try JSONCoding.parse(json).doubleValue == value)
    }

    @Test func writesIntegersInDecimal() throws {
        let values: [JSONValue] = [
            .integer(0), .integer(7), .integer(-7), .integer(1_000_000), .integer(.max), .integer(.min),
            .unsignedInteger(9_223_372_036_854_775_808), .unsignedInteger(.max),
        ]
        let texts = ["0", "7", "-7", "1000000", "9223372036854775807", "-9223372036854775808",
                     "9223372036854775808", "18446744073709551615"]
        #expect(values.map(JSONCoding.encodeString) == texts)
        for value in values {
            #expect(JSONCoding.encode(value) == (try FoundationJSONReference.encode(value)))
        }
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONCoding.encodeString(.double(.nan)) == "null")
        #expect(JSONCoding.encodeString(.object(["a": .double(.infinity), "b": .double(-.infinity)])) == #"{"a":null,"b":null}"#)
    }

    @Test func keyOrderMatchesFoundationSortedKeys() throws {
        let keys = [
            "b", "a", "B", "A", "Z", "z", "_", "-", "~", " ", "", "aa", "a0", "a ", "ab", "abc", "a-b", "a_b",
            "10", "9", "2", "02", "\u{E4}", "\u{C4}", "e", "e\u{301}", "f", "\u{1F600}", "\u{4E2D}", "\u{7F}",
            "\u{FB00}", "\u{130}", "i", "I", "taskUUID", "taskType", "TaskType", "NSFWContent", "CFGScale",
            "cfgScale", "imageURL", "imageUUID", "image", "imageBase64Data",
        ]
        var members: [String: JSONValue] = [:]
        for (index, key) in keys.enumerated() { members[key] = .integer(Int64(index)) }
        let object = JSONValue.object(members)
        let encoded = JSONCoding.encode(object)
        #expect(encoded == (try FoundationJSONReference.encode(object)))
        // Nested objects are sorted too.
        let nested = JSONValue.array([object, .object(["inner": object, "Inner": .null])])
        #expect(JSONCoding.encode(nested) == (try FoundationJSONReference.encode(nested)))
    }

    @Test func keysSortByUTF8Bytes() {
        let object = JSONValue.object(["b": .null, "B": .null, "a": .null, "\u{E9}": .null, "aa": .null, "": .null])
        #expect(JSONCoding.encodeString(object) == #"{"":null,"B":null,"a":null,"aa":null,"b":null,"é":null}"#)
    }

    static let everyCase: [JSONValue] = [
        .null, .bool(true), .bool(false), .integer(0), .integer(-42), .integer(.max), .integer(.min),
        .unsignedInteger(9_223_372_036_854_775_808), .unsignedInteger(.max), .double(7.5), .double(-0.0143),
        .double(1e-7), .double(1.5e300), .string(""), .string("text with \"quotes\", \\, \n and caf\u{E9} \u{1F600}"),
        .array([]), .object([:]),
        .array([.null, .bool(true), .integer(1), .double(2.5), .string("s"), .array([.object(["k": .array([])])])]),
        .object(["taskUUID": .string("t-1"), "seed": .unsignedInteger(.max), "cost": .double(0.0143),
                 "list": .array([.integer(-1), .object(["x": .null])]), "flag": .bool(false)]),
    ]

    @Test(arguments: everyCase)
    func roundTrips(value: JSONValue) throws {
        #expect(try JSONCoding.parse(JSONCoding.encode(value)) == value)
        #expect(try JSONCoding.parse(JSONCoding.encodeString(value)) == value)
        #expect(JSONCoding.encode(value) == (try FoundationJSONReference.encode(value)))
    }

    @Test func wholeDoublesReadBackAsIntegersAsBefore() throws {
        // `28.0` is written as `28`, which reads as an integer: the same value, the same bytes.
        let encoded = JSONCoding.encodeString(.double(28))
        #expect(encoded == "28")
        #expect(try JSONCoding.parse(encoded) == .integer(28))
    }
}
