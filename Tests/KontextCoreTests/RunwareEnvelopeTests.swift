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
            .pending(RunwareProgress(taskUUID: "t-5", taskType: "imageInference")),
            .pending(RunwareProgress(taskUUID: "t-5", taskType: "getResponse", status: "processing")),
            .pending(RunwareProgress(taskUUID: "t-5", status: "pending")),
            .pending(RunwareProgress(taskUUID: "t-5", status: "queued-somewhere", imageUUID: "i-5")),
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

    @Test func unreadableBodiesThrow() {
        #expect(parseError("not json")?.message.contains("not JSON") == true)
        #expect(parseError("17")?.message.contains("integer") == true)
        #expect(parseError(#""text""#)?.message.contains("string") == true)
    }

    /// One body per row: what it holds understood, and each unrecognised item's place and words
    /// of its reason. An odd item never hides the others.
    struct Shape: Sendable, CustomTestStringConvertible {
        let body: String
        let results: [String]
        let failures: [String]
        let pending: Int
        let unrecognised: [(place: String, mentions: [String])]
        var testDescription: String { body }
    }

    static let shapes: [Shape] = [
        // A progress frame (runware-sdk 1.8: imageUUID without an image field) is not a result.
        Shape(body: #"{"taskUUID":"t","imageUUID":"i","status":"processing","progress":40}"#, results: [], failures: [], pending: 1, unrecognised: []),
        Shape(body: #"{"taskUUID":"t","imageUUID":"i"}"#, results: [], failures: [], pending: 1, unrecognised: []),
        // status success with no image: understood, nothing to store.
        Shape(body: #"{"taskUUID":"t","taskType":"imageInference","status":"success"}"#, results: [], failures: [], pending: 1, unrecognised: []),
        // A bare JSON array of items.
        Shape(body: #"[{"taskUUID":"t","imageUUID":"a","imageURL":"u"},{"taskUUID":"t","status":"processing"}]"#, results: ["a"], failures: [], pending: 1, unrecognised: []),
        Shape(body: "[]", results: [], failures: [], pending: 0, unrecognised: []),
        Shape(body: "{}", results: [], failures: [], pending: 0, unrecognised: []),
        // The SDK's nested error item, and flat ones.
        Shape(body: #"{"data":[{"taskUUID":"t","status":"error","error":{"code":"inferenceError","message":"m"}}]}"#, results: [], failures: ["inferenceError"], pending: 0, unrecognised: []),
        Shape(body: #"{"taskUUID":"t","error":{"code":"taskFailed","message":"m"}}"#, results: [], failures: ["taskFailed"], pending: 0, unrecognised: []),
        Shape(body: #"[{"taskUUID":"t","status":"error","code":"timeoutProvider","message":"m"}]"#, results: [], failures: ["timeoutProvider"], pending: 0, unrecognised: []),
        // Odd items beside good ones.
        Shape(body: #"{"data":[{"taskUUID":"t","imageUUID":"a","imageURL":"u"},{"taskUUID":"t","imageUUID":"b","imageURL":"u"},42]}"#,
              results: ["a", "b"], failures: [], pending: 0, unrecognised: [("data[2]", ["integer"])]),
        Shape(body: #"{"data":[{"taskUUID":"t","imageUUID":"a","imageURL":"u","imageBase64Data":"QUJD"},{"taskUUID":"t","imageUUID":"b","imageURL":"u"}]}"#,
              results: ["b"], failures: [], pending: 0, unrecognised: [("data[0]", ["several image fields", "imageURL", "imageBase64Data"])]),
        Shape(body: #"{"data":[{"imageUUID":"i","imageURL":"u"}]}"#, results: [], failures: [], pending: 0, unrecognised: [("data[0]", ["no taskUUID"])]),
        Shape(body: #"{"data":[{"taskUUID":"t","imageURL":"u"}]}"#, results: [], failures: [], pending: 0, unrecognised: [("data[0]", ["no imageUUID"])]),
        Shape(body: #"{"data":[{"taskType":"imageInference"}]}"#, results: [], failures: [], pending: 0, unrecognised: [("data[0]", ["no taskUUID"])]),
        Shape(body: #"{"data":[{"taskUUID":7,"imageUUID":"i","imageURL":"u"}]}"#, results: [], failures: [], pending: 0, unrecognised: [("data[0]", ["taskUUID", "integer"])]),
        Shape(body: #"{"data":[{"taskUUID":"t","imageUUID":"i","imageURL":""}]}"#, results: [], failures: [], pending: 0, unrecognised: [("data[0]", ["imageURL", "empty"])]),
        Shape(body: #"{"data":"boom","errors":[{"code":"x","taskUUID":"t"}]}"#, results: [], failures: ["x"], pending: 0, unrecognised: [("data", ["\"data\"", "string", "expected an array"])]),
        Shape(body: #"{"data":{"taskUUID":"t","imageUUID":"a","imageURL":"u"}}"#, results: ["a"], failures: [], pending: 0, unrecognised: []),
        Shape(body: #"{"errors":[17,{"code":"y"}]}"#, results: [], failures: ["y"], pending: 0, unrecognised: [("errors[0]", ["integer"])]),
        Shape(body: #"{"errors":"boom"}"#, results: [], failures: ["unknown"], pending: 0, unrecognised: []),
        Shape(body: #"{"error":42,"taskUUID":"t"}"#, results: [], failures: [], pending: 0, unrecognised: [("error", ["integer"])]),
    ]

    @Test(arguments: shapes) func itemByItem(_ shape: Shape) throws {
        let envelope = try parse(shape.body)
        #expect(envelope.results.map(\.imageUUID) == shape.results)
        #expect(envelope.failures.map(\.code) == shape.failures)
        #expect(envelope.progress.count == shape.pending)
        #expect(envelope.unrecognised.count == shape.unrecognised.count)
        #expect(envelope.understoodCount == shape.results.count + shape.failures.count + shape.pending)
        for (item, expected) in zip(envelope.unrecognised, shape.unrecognised) {
            #expect(item.place == expected.place)
            for word in expected.mentions {
                #expect(item.reason.contains(word), "\(item.reason) should mention \(word)")
            }
        }
    }

    @Test func progressFrameKeepsItsFields() throws {
        let frame = try #require(try parse(#"{"taskUUID":"t","imageUUID":"i","status":"processing","progress":0.4,"resultIndex":1}"#).progress.first)
        #expect(frame == RunwareProgress(taskUUID: "t", status: "processing", imageUUID: "i", progress: 0.4, resultIndex: 1))
    }

    @Test func resultIndexIsRead() throws {
        let result = try #require(try parse(#"{"taskUUID":"t","imageUUID":"i","imageURL":"u","resultIndex":3}"#).results.first)
        #expect(result.resultIndex == 3)
    }

    @Test func nestedErrorItemKeepsCodeMessageAndTask() throws {
        let error = try #require(try parse(#"{"data":[{"taskUUID":"t-7","status":"error","error":{"code":"processingFailed","message":"GPU fell over"}}]}"#).failures.first)
        #expect(error.code == "processingFailed")
        #expect(error.message == "GPU fell over")
        #expect(error.taskUUID == "t-7")
    }

    @Test func newsGroupsItemsByTask() throws {
        let envelope = try parse("""
            {"data":[{"taskUUID":"A","imageUUID":"a","imageURL":"u"},{"taskUUID":"b","status":"processing"},{"taskUUID":"a","imageUUID":"x","imageURL":""}],
             "errors":[{"code":"taskNotFound","taskUUID":"c"},{"code":"z"}]}
            """)
        let news = RunwareTaskNews.byTask(envelope)
        #expect(news["a"]?.results.map(\.imageUUID) == ["a"])
        #expect(news["a"]?.unrecognised.count == 1)
        #expect(news["b"]?.mentioned == true)
        #expect(news["c"]?.failures.map(\.code) == ["taskNotFound"])
        #expect(news.count == 3)
    }
}
