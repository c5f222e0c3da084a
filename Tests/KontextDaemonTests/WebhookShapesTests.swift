import Foundation
import KontextCore
import KontextDaemon
import KontextNet
import Testing

/// Every webhook body shape Runware (per its SDK) may send, item by item: what is understood is
/// stored and answered 200, odd items are kept on the task and counted, and only a body with
/// nothing understood answers 400.
@Suite(.serialized, .timeLimit(.minutes(2))) struct WebhookShapesTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        let name: String
        let body: String
        let status: Int
        let newResults: Int
        let unrecognised: Int
        var testDescription: String { name }
    }

    // `T` stands for the task's UUID, `I` for a fresh image UUID.
    static let shapes: [Shape] = [
        Shape(name: "bare result", body: #"{"taskUUID":"T","imageUUID":"I","imageURL":"http://127.0.0.1:1/x.jpg"}"#, status: 200, newResults: 1, unrecognised: 0),
        Shape(name: "bare JSON array", body: #"[{"taskUUID":"T","imageUUID":"I","imageURL":"http://127.0.0.1:1/x.jpg","resultIndex":0}]"#, status: 200, newResults: 1, unrecognised: 0),
        Shape(name: "progress frame", body: #"{"taskUUID":"T","imageUUID":"I","status":"processing","progress":50}"#, status: 200, newResults: 0, unrecognised: 0),
        Shape(name: "success without an image", body: #"{"taskUUID":"T","taskType":"imageInference","status":"success"}"#, status: 200, newResults: 0, unrecognised: 0),
        Shape(name: "empty object", body: "{}", status: 200, newResults: 0, unrecognised: 0),
        Shape(name: "good result beside an odd item", body: #"{"data":[{"taskUUID":"T","imageUUID":"I","imageURL":"http://127.0.0.1:1/x.jpg"},{"taskUUID":"T","imageUUID":"x","imageURL":["no"]}]}"#, status: 200, newResults: 1, unrecognised: 1),
        Shape(name: "nothing understood", body: #"[42,{"taskUUID":"T","imageURL":"u"}]"#, status: 400, newResults: 0, unrecognised: 2),
    ]

    @Test(arguments: shapes) func webhookBodies(_ shape: Shape) async throws {
        // No API key: tasks stay queued, so only the webhooks below speak about them.
        let harness = try await DaemonHarness.start(apiKeyOverride: "")
        let (_, created) = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Make it dusk", ["numberResults": .integer(2)]))
        let uuid = try #require(created["taskUUID"]?.stringValue)
        let body = shape.body.replacingOccurrences(of: "\"T\"", with: "\"\(uuid)\"")
            .replacingOccurrences(of: "\"I\"", with: "\"\(UUID().uuidString.lowercased())\"")
        let response = try await harness.raw("POST", harness.webhookURL(uuid), body: Array(body.utf8))
        #expect(response.status == shape.status, "\(String(decoding: response.body, as: UTF8.self))")
        let answer = try JSONCoding.parse(response.body)
        if shape.status == 200 {
            #expect(answer["newResults"] == .integer(Int64(shape.newResults)))
            #expect(answer["unrecognisedItems"] == .integer(Int64(shape.unrecognised)))
        } else {
            #expect(answer["error"]?["message"]?.stringValue?.contains("no item of the body could be understood") == true)
        }
        let detail = try await harness.admin("GET", "/v1/tasks/\(uuid)").body
        #expect(detail["results"]?.arrayValue?.count == shape.newResults)
        // Kept on the task only when the body was stored.
        #expect(detail["unrecognisedItems"]?.arrayValue?.count == (shape.status == 200 ? shape.unrecognised : 0))
        let metrics = try await harness.raw("GET", harness.adminURL + "/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        if shape.unrecognised > 0 {
            #expect(text.contains(#"kontextd_runware_unrecognised_items_total{source="webhook"} \#(shape.unrecognised)"#), "\(text)")
        }
        await harness.stop()
    }
}
