import Foundation
import KontextCore
import Testing

/// The Foundation-based coding `JSONCoding` used before the byte-level parser and encoder, kept
/// here only as the reference the new code must agree with.
enum FoundationJSONReference {
    static func decode(_ bytes: [UInt8]) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    static func encode(_ value: JSONValue) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}

/// New parse equals the old Foundation parse, and new encoding is byte-equal to the old one,
/// over documents the daemon really handles.
@Suite struct JSONCodingEquivalenceTests {
    struct Document: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        var testDescription: String { name }
    }

    // The four published FLUX.1 Kontext [dev] examples (RunwareSimulator/ReferenceExamples.swift).
    static let referenceExamples: [Document] = [
        Document(name: "example 1 request", text: #"""
            {
              "taskType": "imageInference",
              "taskUUID": "da3533af-ea2f-48e3-ae3d-7cb4b1918a28",
              "referenceImages": [
                "https://assets.runware.ai/assets/inputs/d63ac405-965e-4874-81fc-ead3474ddd46.jpg"
              ],
              "model": "runware:106@1",
              "positivePrompt": "Transform the reference image into an imaginative glasshouse botanist workspace, keeping the same bench layout and camera angle but replacing the plain surroundings with towering curved greenhouse panes, climbing vines, suspended air plants, rare striped begonias, luminous amber glass vessels, hand-labeled specimen drawers, scattered seed packets, pressed petals inside the notebook, delicate soil textures, warm morning haze, intricate natural details, cinematic realism, elegant color harmony, highly detailed",
              "width": 1248,
              "height": 832,
              "seed": 17513,
              "steps": 28,
              "scheduler": "default",
              "CFGScale": 7.5
            }
            """#),
        Document(name: "example 1 result", text: #"""
            {
              "taskType": "imageInference",
              "taskUUID": "da3533af-ea2f-48e3-ae3d-7cb4b1918a28",
              "imageUUID": "908ec77f-26f2-4434-9096-d8bcba60b912",
              "imageURL": "https://im.runware.ai/image/os/a08d21/ws/2/ii/908ec77f-26f2-4434-9096-d8bcba60b912.jpg",
              "seed": 17513,
              "NSFWContent": false,
              "cost": 0.0143
            }
            """#),
        Document(name: "example 2 request", text: #"""
            {
              "taskType": "imageInference",
              "taskUUID": "a49e0ce1-5e01-49c7-9878-8a0b5f138399",
              "referenceImages": [
                "https://assets.runware.ai/assets/inputs/a6abbc5b-85a9-4aac-bc6b-e972772dd9d0.jpg"
              ],
              "model": "runware:106@1",
              "positivePrompt": "Transform the reference image into an elegant early-20th-century alpine rail compartment with polished walnut panels, brass luggage racks, embroidered seat fabric, frosted glass details, and a sweeping mountain pass outside the window. Preserve the seated passenger's pose and framing, but restyle the wardrobe into a tailored wool coat and travel gloves. Add a folded map, leather satchel, and subtle condensation on the window. Cinematic realism, intricate textures, atmospheric depth, warm copper and pine tones, refined travel photography aesthetic.",
              "width": 1248,
              "height": 832,
              "seed": 8455,
              "steps": 28,
              "scheduler": "Euler",
              "CFGScale": 7.5
            }
            """#),
        Document(name: "example 2 result", text: #"""
            {
              "taskType": "imageInference",
              "taskUUID": "a49e0ce1-5e01-49c7-9878-8a0b5f138399",
              "imageUUID": "c4c06a0c-8c54-4f50-b054-953f023dbf95",
              "imageURL": "https://im.runware.ai/image/os/a01d21/ws/2/ii/c4c06a0c-8c54-4f50-b054-953f023dbf95.jpg",
              "seed": 8455,
              "NSFWContent": false,
              "cost": 0.0143
            }
            """#),
        Document(name: "example 3 request", text: #"""
            {
              "taskType": "imageInference",
              "taskUUID": "131b86d2-9034-45bd-8385-5e7b5cbff62e",
              "referenceImages": [
                "https://assets.runware.ai/assets/inputs/cfb1143b-02c8-4416-9e17-c58e8aff749f.jpg"
              ],
              "model": "runware:106@1",
              "positivePrompt": "Transform the reference image into an avant-garde fashion editorial set inside a colossal glacial cathedral nave with translucent ice columns, prismatic frost textures, suspended crystal chimes, pale cyan and silver palette, the same woman reimagined in an extravagant sculptural gown made of faceted glass-like shards and layered organza, intricate reflective headdress, poised centered stance, ethereal winter couture, cinematic volumetric light streaming through frozen arches, ultra-detailed textiles, refined facial detail, elegant composition, luxury magazine photography, surreal yet believable",
              "seed": 15789,
              "steps": 28,
              "scheduler": "Euler",
              "CFGScale": 7.5
            }
            """#),
        Document(name: "example 3 result", text: #"""
            {
              "taskType": "imageInference",
              "taskUUID": "131b86d2-9034-45bd-8385-5e7b5cbff62e",
              "imageUUID": "bcf6cd6e-cc2e-4195-b24a-567c54096ba4",
              "imageURL": "https://im.runware.ai/image/os/a03d21/ws/2/ii/bcf6cd6e-cc2e-4195-b24a-567c54096ba4.jpg",
              "seed": 15789,
              "NSFWContent": false,
              "cost": 0.015
            }
            """#),
        Document(name: "example 4 request", text: #"""
            {
              "taskType": "imageInference",
              "taskUUID": "283e76ba-6434-4c1b-86a0-e1829ce848bf",
              "referenceImages": [
                "https://assets.runware.ai/assets/inputs/0b68c363-83cd-409d-be14-1dc957952d19.jpg"
              ],
              "model": "runware:106@1",
              "positivePrompt": "Transform the reference image into a lavish masquerade performance inside a grand velvet-draped hall, the dancer wearing an elaborate porcelain mask, layered embroidered costume with jewel accents, sweeping ribbons, polished marble floor reflecting warm candle glow, towering floral arrangements, suspended crystal garlands, theatrical haze, rich burgundy and gold palette, dynamic elegance, surreal couture fashion photography, intricate textile detail, cinematic composition, highly detailed",
              "seed": 60280,
              "steps": 28,
              "scheduler": "default",
              "CFGScale": 7.5
            }
            """#),
        Document(name: "example 4 result", text: #"""
            {
              "taskType": "imageInference",
              "taskUUID": "283e76ba-6434-4c1b-86a0-e1829ce848bf",
              "imageUUID": "c8cb6a69-9cf3-4ec5-9ae8-07b0ff909520",
              "imageURL": "https://im.runware.ai/image/os/a20d05/ws/2/ii/c8cb6a69-9cf3-4ec5-9ae8-07b0ff909520.jpg",
              "seed": 60280,
              "NSFWContent": false,
              "cost": 0.015
            }
            """#),
    ]

    // Webhook bodies in every shape the protocol notes list, error envelopes, and requests
    // using the rest of the parameter surface.
    static let wireDocuments: [Document] = [
        Document(name: "webhook: data-wrapped results", text: #"""
            {"data":[{"taskType":"imageInference","taskUUID":"t-1","imageUUID":"i-1","imageURL":"https://im.runware.ai/image/i-1.jpg","seed":17513,"NSFWContent":false,"cost":0.0143,"status":"success","resultIndex":0},
             {"taskType":"imageInference","taskUUID":"t-1","imageUUID":"i-2","imageBase64Data":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==","cost":1},
             {"taskType":"imageInference","taskUUID":"t-1","imageUUID":"i-3","imageDataURI":"data:image/png;base64,iVBORw0K","inputImageUUID":"u-9"}]}
            """#),
        Document(name: "webhook: errors envelope", text: #"""
            {"errors":[{"code":"invalidApiKey","message":"Invalid API key. Get one at https://my.runware.ai/keys","parameter":"apiKey","taskType":"authentication","documentation":"https://runware.ai/docs/en/getting-started/how-to-connect#errors"}]}
            """#),
        Document(name: "webhook: status error object", text: #"""
            {"taskType":"imageInference","taskUUID":"t-2","status":"error","code":"timeoutProvider","message":"The provider timed out.\nRetry later."}
            """#),
        Document(name: "error: cross-field parameter list", text: #"""
            {"errors":[{"code":"invalidDimensions","message":"width and height must be given together","parameter":["width","height"],"taskType":"imageInference","taskUUID":"t-3"}],"data":[]}
            """#),
        Document(name: "error: singular error", text: #"""
            {"error":{"code":"insufficientCredits","message":"Insufficient credits: balance $0.0012 < cost $0.0143"},"taskUUID":"t-4","taskType":"imageInference"}
            """#),
        Document(name: "daemon error envelope", text: #"""
            {"error":{"code":"validation_failed","message":"2 problems","issues":[{"field":"steps","rule":"range 1...50","value":0},{"field":"CFGScale","rule":"range 0...20","value":20.5}]}}
            """#),
        Document(name: "poll response", text: #"""
            {"data":[{"taskType":"imageInference","taskUUID":"t-5","status":"processing"},{"taskType":"imageInference","taskUUID":"t-5","imageUUID":"i-7","imageURL":"https://im.runware.ai/image/i-7.webp","status":"success","seed":-1,"cost":0.00000123}],"errors":[{"taskUUID":"t-5","status":"error","code":"nsfw","message":"Result blocked"}]}
            """#),
        Document(name: "async acknowledgement", text: #"{"data":[{"taskType":"imageInference","taskUUID":"f1e2d3c4-0000-4000-8000-000000000001"}]}"#),
        Document(name: "empty data", text: #"{"data":[]}"#),
        Document(name: "request: full parameter surface", text: #"""
            [{"taskType":"authentication","apiKey":"k3y/with+slashes=="},
             {"taskType":"imageInference","taskUUID":"t-6","model":"runware:106@1","positivePrompt":"A caf\u00e9 in \"Z\u00fcrich\" \u2014 night, \ud83c\udf19 moon; line1\nline2\ttab \\ backslash / slash","negativePrompt":"blurry","inputs":{"referenceImages":["data:image/png;base64,AAAA","0b68c363-83cd-409d-be14-1dc957952d19"]},"width":1024,"height":1024,"seed":9223372036854775807,"steps":50,"CFGScale":3.5,"numberResults":4,"outputType":"URL","outputFormat":"WEBP","outputQuality":95,"ttl":3600,"includeCost":true,"checkNSFW":true,"safety":{"checkContent":true,"mode":"fast"},"deliveryMethod":"async","webhookURL":"https://daemon.example/v1/webhooks/runware?token=abc%2F123&x=1",
              "lora":[{"model":"civitai:12345@678","weight":-0.75,"transformer":"both"},{"model":"civitai:1@2","weight":4}],
              "acceleratorOptions":{"teaCache":true,"teaCacheDistance":0.4,"cacheStartStepPercentage":10,"cacheEndStepPercentage":90,"cacheMaxConsecutiveSteps":3},
              "ipAdapters":[{"model":"runware:105@1","guideImages":["https://x.example/a.png"],"weight":0.8,"weightComposition":1e-2}],
              "ultralytics":{"CFGScale":12.25,"confidence":0.5,"maskBlur":4,"maskPadding":20,"steps":100,"strength":1.0},
              "extra":{"unsigned":9223372036854775808,"max":18446744073709551615,"negative":-9223372036854775808,"tiny":5e-324,"huge":1.7976931348623157e308,"wholeDouble":28.0,"exp":1E3,"nothing":null,"flags":[true,false],"nested":[[[{}]],[]]}}]
            """#),
        Document(name: "unicode keys and values", text: #"""
            {"名前":"値","Ä":1,"a":2,"B":3,"b":4,"😀":"\ud83d\ude00","\u0000key":"\u001f","e\u0301":"combining","tab\tkey":"x"}
            """#),
        Document(name: "top-level fragments", text: #"  "just a string"  "#),
        Document(name: "top-level number", text: "0.30000000000000004"),
    ]

    @Test(arguments: referenceExamples + wireDocuments)
    func parsesLikeFoundation(document: Document) throws {
        let bytes = Array(document.text.utf8)
        let parsed = try JSONCoding.parse(bytes)
        let reference = try FoundationJSONReference.decode(bytes)
        #expect(parsed == reference)
    }

    @Test(arguments: referenceExamples + wireDocuments)
    func encodesLikeFoundation(document: Document) throws {
        let reference = try FoundationJSONReference.decode(Array(document.text.utf8))
        let encoded = JSONCoding.encode(try JSONCoding.parse(document.text))
        let referenceEncoded = try FoundationJSONReference.encode(reference)
        #expect(encoded == referenceEncoded, "\(String(decoding: encoded, as: UTF8.self)) != \(String(decoding: referenceEncoded, as: UTF8.self))")
        #expect(try JSONCoding.parse(encoded) == reference)
    }

    /// Number literals on which the old decoder's classification must be kept exactly.
    static let numberLiterals: [String] = [
        "0", "-0", "-0.0", "0.0", "1", "-1", "28", "28.0", "-1.0", "1.5", "7.5", "0.0143", "0.1", "1e3", "1E2",
        "2.5E+3", "1e-2", "1e-07", "100e-2", "0.5e1", "1.0000000000000001", "1e-400", "5e-324",
        "1.7976931348623157e308", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "1e19", "1.8e19", "1e20",
        "123456789012345678901234567890", "9007199254740992", "9007199254740993", "9007199254740993.0",
        "9007199254740993e0", "90071992547409930e-1", "18446744073709551615.0", "-9007199254740993.0", "1.5e16", "-1.5e16", "4.5e15",
        "12345678901234567890.5", "1.8446744073709551e19", "0.30000000000000004", "2.2250738585072014e-308",
    ]

    @Test(arguments: numberLiterals)
    func numbersClassifiedLikeFoundation(literal: String) throws {
        let reference = try FoundationJSONReference.decode(Array(literal.utf8))
        #expect(try JSONCoding.parse(literal) == reference)
        #expect(JSONCoding.encode(reference) == (try FoundationJSONReference.encode(reference)))
    }

    /// Where the old decoder was lenient or lossy, the new parser is strict or exact on purpose.
    @Test func deliberateDifferencesFromFoundation() throws {
        // Foundation truncated the fraction (9007199254740993); the nearest Double is honest.
        #expect(try JSONCoding.parse("9007199254740993.5") == .double(9_007_199_254_740_994))
        // Foundation answered .unsignedInteger and .double for these two in-range whole numbers.
        #expect(try JSONCoding.parse("9223372036854775807.0") == .integer(.max))
        #expect(try JSONCoding.parse("-9223372036854775808.0") == .integer(.min))
        // Foundation accepted trailing commas and a UTF-8 byte order mark.
        #expect(throws: JSONParseError.self) { try JSONCoding.parse("[1,2,]") }
        #expect(throws: JSONParseError.self) { try JSONCoding.parse("\u{FEFF}{}") }
        // Foundation never looked at the value of a repeated key, so anything passed there.
        #expect(throws: JSONParseError(message: "invalid escape '\\x' at offset 12")) {
            try JSONCoding.parse(#"{"a":1,"a":"\x"}"#)
        }
        // Foundation refused to encode a non-finite double at all (the old code wrote `null` for
        // the whole document); now only that number becomes null.
        #expect(JSONCoding.encodeString(.array([.double(.nan), .integer(1)])) == "[null,1]")
    }
}

/// Seeded random documents, read by both the new parser and the Foundation reference: they must
/// accept the same ones (apart from the leniencies the new parser drops on purpose) and read
/// them to the same value.
@Suite struct JSONCodingDifferentialTests {
    /// SplitMix64: a fixed seed gives the same documents on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }

    /// Bytes that matter inside strings: quote, backslash, escape letters, hex digits,
    /// control characters, pieces of multi-byte sequences and bytes never valid in UTF-8.
    static let stringAlphabet: [UInt8] = Array(#""\\/bfnrtuU0Dd8Ee9aA x"#.utf8) + [0x01, 0x1F, 0x7F, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0xED, 0xA0, 0xFF, 0xC0]

    /// Bytes that matter between values.
    static let structureAlphabet: [UInt8] = Array(#"[]{}:,"a\ 0123456789.eE+-truefalsnl"#.utf8) + [0x09, 0x0A, 0x0D, 0x0B, 0xC3]

    @Test func randomStringsReadLikeFoundation() throws {
        var generator = SeededGenerator(state: 0x6B6F_6E74_6578_7464)
        var valid = 0
        for _ in 0..<4000 {
            let length = Int.random(in: 0...40, using: &generator)
            let content = (0..<length).map { _ in Self.stringAlphabet.randomElement(using: &generator)! }
            // Either a string alone, or one after enough plain text to reach the word-at-a-time scan.
            let padding = Array(repeating: UInt8(ascii: "p"), count: Int.random(in: 0...17, using: &generator))
            let document = [UInt8(ascii: "\"")] + padding + content + [UInt8(ascii: "\"")]
            if try expectSameReading(of: document) { valid += 1 }
        }
        // Both outcomes were exercised, so the comparison covered accepting and rejecting.
        #expect(valid > 100 && valid < 3900)
    }

    static let numberTokens = ["0", "-0", "7", "-12", "1.5", "28.0", "1e3", "2.5E-3", "9223372036854775807",
                               "9223372036854775808", "18446744073709551615", "18446744073709551616", "0.0143", "-1e-7"]

    /// A random document from the JSON grammar, with random whitespace.
    static func randomDocument(depth: Int, using generator: inout SeededGenerator) -> [UInt8] {
        let space: [UInt8] = (0..<Int.random(in: 0...2, using: &generator)).map { _ in [0x20, 0x09, 0x0A, 0x0D].randomElement(using: &generator)! }
        let kind = depth > 3 ? Int.random(in: 0...3, using: &generator) : Int.random(in: 0...5, using: &generator)
        var value: [UInt8]
        switch kind {
        case 0: value = Array(["null", "true", "false"].randomElement(using: &generator)!.utf8)
        case 1: value = Array(numberTokens.randomElement(using: &generator)!.utf8)
        case 2, 3:
            let content = (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                Array(["a", "Z", " ", "\\n", "\\\"", "\\u00e9", "\\ud83d\\ude00", "\u{E9}", "\u{1F600}", "/"].randomElement(using: &generator)!.utf8)
            }
            value = [UInt8(ascii: "\"")] + content.joined() + [UInt8(ascii: "\"")]
        case 4:
            let elements = (0..<Int.random(in: 0...4, using: &generator)).map { _ in randomDocument(depth: depth + 1, using: &generator) }
            value = [UInt8(ascii: "[")] + Array(elements.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "]")]
        default:
            // Distinct keys: Foundation never read the values of repeated keys after the first,
            // so it let anything pass there.
            let keys = ["a", "b", "B", "\u{E9}", "aa"].shuffled(using: &generator).prefix(Int.random(in: 0...4, using: &generator))
            let members = keys.map { key in
                Array("\"\(key)\":".utf8) + randomDocument(depth: depth + 1, using: &generator)
            }
            value = [UInt8(ascii: "{")] + Array(members.joined(separator: [UInt8(ascii: ",")])) + [UInt8(ascii: "}")]
        }
        return space + value + space
    }

    @Test func randomStructuresReadLikeFoundation() throws {
        var generator = SeededGenerator(state: 0x4A53_4F4E_5F42_5954)
        var valid = 0
        for _ in 0..<3000 {
            var document = Self.randomDocument(depth: 0, using: &generator)
            // Half the documents get one byte replaced, inserted or removed.
            if Bool.random(using: &generator), !document.isEmpty {
                let index = Int.random(in: 0..<document.count, using: &generator)
                let byte = Self.structureAlphabet.randomElement(using: &generator)!
                switch Int.random(in: 0...2, using: &generator) {
                case 0: document[index] = byte
                case 1: document.insert(byte, at: index)
                default: document.remove(at: index)
                }
            }
            if try expectSameReading(of: document) { valid += 1 }
        }
        #expect(valid > 500 && valid < 2900)
    }

    /// Whether the document was valid JSON (so a test can prove it exercised both outcomes).
    @discardableResult
    private func expectSameReading(of document: [UInt8]) throws -> Bool {
        let reference = try? FoundationJSONReference.decode(document)
        let text = String(decoding: document, as: UTF8.self).debugDescription
        do {
            let parsed = try JSONCoding.parse(document)
            #expect(parsed == reference, "\(text)")
            return true
        } catch {
            // Trailing commas are the one leniency of Foundation these alphabets can produce.
            #expect(reference == nil || error.message.hasPrefix("trailing comma"), "\(text): \(error.message)")
            return false
        }
    }
}
