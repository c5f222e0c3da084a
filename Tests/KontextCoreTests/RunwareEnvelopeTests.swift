import KontextCore
import Testing

@Suite struct RunwareEnvelopeTests {
    private func parse(_ text: String) throws -> RunwareEnvelope {
        try RunwareEnvelope.parse(Array(text.utf8))
    }

    private func parseError(_ text: String) -> RunwareParseError? {
        do {
            _ = try RunwareEnvelope.parse(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    static let resultJSON = """
        {"taskType":"imageInference","taskUUID":"t-1","imageUUID":"i-1","imageURL":"https://im.runware.ai/image/i-1.jpg","seed":17513,"NSFWContent":false,"cost":0.0143}
        """

    @Test func bareResultObject() throws {
        let envelope = try parse(Self.resultJSON)
        #expect(envelope.items.count == 1)
        let result = try #require(envelope.results.first)
        #expect(result.taskUUID == "t-1")
        #expect(result.imageUUID == "i-1")
        #expect(result.source == .url("https://im.runware.ai/image/i-1.jpg"))
        #expect(result.seed == 17513)
        #expect(result.nsfwContent == false)
        #expect(result.cost == 0.0143)
        #expect(result.status == nil)
        #expect(result.raw == (try JSONCoding.parse(Self.resultJSON)))
        #expect(envelope.failures.isEmpty)
    }

    @Test func dataWrappedResults() throws {
        let envelope = try parse("""
            {"data":[\(Self.resultJSON),
             {"taskType":"imageInference","taskUUID":"t-1","imageUUID":"i-2","imageBase64Data":"iVBORw0K","status":"success","cost":1},
             {"taskType":"imageInference","taskUUID":"t-1","imageUUID":"i-3","imageDataURI":"data:image/png;base64,iVBORw0K"}]}
            """)
        #expect(envelope.results.map(\.imageUUID) == ["i-1", "i-2", "i-3"])
        #expect(envelope.results[1].source == .base64("iVBORw0K"))
        #expect(envelope.results[1].status == "success")
        #expect(envelope.results[1].cost == 1.0)
        #expect(envelope.results[2].source == .dataURI("data:image/png;base64,iVBORw0K"))
    }

    @Test func errorsOnly() throws {
        let envelope = try parse("""
            {"errors":[{"code":"invalidApiKey","message":"Invalid API key.","parameter":"apiKey","taskType":"authentication","documentation":"https://runware.ai/docs/errors"}]}
            """)
        #expect(envelope.results.isEmpty)
        let error = try #require(envelope.failures.first)
        #expect(error.code == "invalidApiKey")
        #expect(error.message == "Invalid API key.")
        #expect(error.parameter == "apiKey")
        #expect(error.taskType == "authentication")
        #expect(error.taskUUID == nil)
        #expect(error.documentation == "https://runware.ai/docs/errors")
        #expect(error.description.contains("invalidApiKey"))
    }

    @Test func dataAndErrorsTogetherKeepBoth() throws {
        let envelope = try parse("""
            {"data":[\(Self.resultJSON)],"errors":[{"code":"invalidWidth","message":"bad","parameter":["width","height"],"taskUUID":"t-2","taskType":"imageInference"}]}
            """)
        #expect(envelope.items.count == 2)
        #expect(envelope.results.map(\.imageUUID) == ["i-1"])
        let error = try #require(envelope.failures.first)
        #expect(error.parameter == "width, height")
        #expect(error.taskUUID == "t-2")
    }

    @Test func emptyDataIsNoItems() throws {
        #expect(try parse(#"{"data":[]}"#).items.isEmpty)
    }

    @Test func singularErrorTakesTaskFromTheBody() throws {
        let text = #"{"error":{"code":"insufficientCredits","message":"Top up"},"taskUUID":"t-9","taskType":"imageInference"}"#
        let envelope = try parse(text)
        #expect(envelope.items.count == 1)
        let error = try #require(envelope.failures.first)
        #expect(error.code == "insufficientCredits")
        #expect(error.message == "Top up")
        #expect(error.taskUUID == "t-9")
        #expect(error.taskType == "imageInference")
        #expect(error.raw == (try JSONCoding.parse(text)))
    }

    @Test func singularErrorAsString() throws {
        let error = try #require(try parse(#"{"error":"queue closed","taskUUID":"t-9"}"#).failures.first)
        #expect(error.code == "unknown")
        #expect(error.message == "queue closed")
        #expect(error.taskUUID == "t-9")
    }

    @Test func bareStatusErrorObject() throws {
        let envelope = try parse(#"{"taskType":"imageInference","taskUUID":"t-3","status":"error","code":"timeoutProvider","message":"took too long"}"#)
        let error = try #require(envelope.failures.first)
        #expect(envelope.items.count == 1)
        #expect(error.code == "timeoutProvider")
        #expect(error.taskUUID == "t-3")
    }

    @Test func errorWithoutFieldsGetsNeutralValues() throws {
        let error = try #require(try parse(#"{"errors":[{}]}"#).failures.first)
        #expect(error.code == "unknown")
        #expect(error.message == "")
        #expect(error.parameter == nil)
    }

    @Test func statusErrorInsideDataIsAFailure() throws {
        let envelope = try parse(#"{"data":[{"taskUUID":"t-4","imageUUID":"i-4","status":"error","code":"x","message":"y"}]}"#)
        #expect(envelope.results.isEmpty)
        #expect(envelope.failures.map(\.code) == ["x"])
    }

    @Test func acknowledgementAndPendingItems() throws {
        let envelope = try parse("""
            {"data":[{"taskType":"imageInference","taskUUID":"t-5"},
                     {"taskType":"getResponse","taskUUID":"t-5","status":"processing"},
                     {"taskUUID":"t-5","status":"pending"},
                     {"taskUUID":"t-5","imageUUID":"i-5","status":"queued-somewhere"}]}
            """)
        #expect(envelope.items == [
            .pending(taskUUID: "t-5", taskType: "imageInference", status: nil),
            .pending(taskUUID: "t-5", taskType: "getResponse", status: "processing"),
            .pending(taskUUID: "t-5", taskType: nil, status: "pending"),
            .pending(taskUUID: "t-5", taskType: nil, status: "queued-somewhere"),
        ])
    }

    @Test func seedAboveInt64IsKept() throws {
        let result = try #require(try parse("""
            {"taskUUID":"t","imageUUID":"i","imageURL":"u","seed":18446744073709551615}
            """).results.first)
        #expect(result.seed == UInt64.max)
    }

    @Test func unknownFieldsAreKeptInRaw() throws {
        let result = try #require(try parse("""
            {"data":[{"taskUUID":"t","imageUUID":"i","imageURL":"u","resultIndex":2,"inputImageUUID":"x","futureField":{"a":[1,2]}}]}
            """).results.first)
        #expect(result.raw["resultIndex"] == .integer(2))
        #expect(result.raw["inputImageUUID"] == .string("x"))
        #expect(result.raw["futureField"]?["a"] == .array([.integer(1), .integer(2)]))
    }

    @Test func parsesAnAlreadyDecodedValue() throws {
        let value = try JSONCoding.parse(#"{"data":[{"taskUUID":"t","imageUUID":"i","imageURL":"u"}]}"#)
        #expect(try RunwareEnvelope.parse(value).results.map(\.imageUUID) == ["i"])
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let body: String
        let mentions: [String]
        var testDescription: String { body }
    }

    static let malformed: [Malformed] = [
        Malformed(body: "not json", mentions: ["not JSON"]),
        Malformed(body: "[1,2]", mentions: ["array", "expected an object"]),
        Malformed(body: #"{"data":{"taskUUID":"t"}}"#, mentions: ["\"data\"", "object", "expected an array"]),
        Malformed(body: #"{"errors":"boom"}"#, mentions: ["\"errors\"", "string"]),
        Malformed(body: #"{"data":[{"taskUUID":"t","imageUUID":"a","imageURL":"u"},{"taskUUID":"t","imageUUID":"b","imageURL":"u"},{"taskUUID":"t","imageUUID":"c"}]}"#,
                  mentions: ["data[2]", "imageUUID c", "no image field"]),
        Malformed(body: #"{"taskUUID":"t","imageUUID":"i","imageURL":"u","imageBase64Data":"QUJD"}"#,
                  mentions: ["body", "several image fields", "imageURL", "imageBase64Data"]),
        Malformed(body: #"{"data":[{"imageUUID":"i","imageURL":"u"}]}"#, mentions: ["data[0]", "no taskUUID"]),
        Malformed(body: #"{"data":[{"taskType":"imageInference"}]}"#, mentions: ["data[0]", "no taskUUID"]),
        Malformed(body: #"{"data":[42]}"#, mentions: ["data[0]", "integer"]),
        Malformed(body: #"{"data":[{"taskUUID":7,"imageUUID":"i","imageURL":"u"}]}"#, mentions: ["data[0]", "taskUUID", "integer"]),
        Malformed(body: #"{"data":[{"taskUUID":"t","imageUUID":"i","imageURL":""}]}"#, mentions: ["data[0]", "imageURL", "empty"]),
        Malformed(body: #"{"errors":[17]}"#, mentions: ["errors[0]"]),
        Malformed(body: "{}", mentions: ["body", "no taskUUID"]),
    ]

    @Test(arguments: malformed) func malformedBodiesNameTheProblem(_ item: Malformed) throws {
        let error = try #require(parseError(item.body))
        for word in item.mentions {
            #expect(error.message.contains(word), "\(error.message) should mention \(word)")
        }
    }
}
