import Foundation
import KontextCore
import KontextDaemon
import KontextNet
import KontextStore
import Testing

/// A token holder posting more results than the task asked for, or after it ended: refused with
/// a stable code, not fetched, not counted, noted, counted in /metrics — and the body stored once.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ResultBoundsWebhookTests {
    func daemon(_ runware: ScriptedRunware) async throws -> DaemonHarness {
        try await DaemonHarness.start(apiKeyOverride: "scripted-key", apiURL: runware.baseURL + "/v1") { configuration in
            configuration.reconcile = .init(overdueAfter: 3600, interval: 3600)
        }
    }

    @Test func tenResultsForATwoResultTask() async throws {
        let uuid = "b1111111-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { _, tasks, _ in ScriptedRunware.acknowledge(tasks) }
        // Every image answers 503: the task stays waiting for its two results throughout.
        for index in 0..<10 { runware.serve("/image/\(index).jpg", HTTPResponse(status: 503)) }
        let harness = try await DaemonHarness.start(apiKeyOverride: "scripted-key", apiURL: runware.baseURL + "/v1") { configuration in
            configuration.reconcile = .init(overdueAfter: 3600, interval: 3600)
            configuration.images.maxFetchAttempts = 1_000
        }
        let (status, _) = try await harness.admin(
            "POST", "/v1/tasks", json: DaemonHarness.task("Make it dusk", ["taskUUID": .string(uuid), "numberResults": .integer(2)]))
        #expect(status == 202)
        var statuses: [Int] = []
        var codes: [JSONValue?] = []
        for index in 0..<10 {
            let image = "cccccccc-2222-4333-8444-55555555555\(index)"
            let webhook = ScriptedRunware.result(taskUUID: uuid, imageUUID: image, url: runware.baseURL + "/image/\(index).jpg")
            let response = try await harness.raw("POST", harness.webhookURL(uuid), body: JSONCoding.encode(webhook))
            statuses.append(response.status)
            codes.append((try? JSONCoding.parse(response.body))?["error"]?["code"])
        }
        #expect(statuses == [200, 200] + Array(repeating: 409, count: 8))
        #expect(codes[2...].allSatisfy { $0 == .string("results_exceed_task") }, "\(codes)")
        let detail = try await harness.waitFor(uuid) { ($0["results"]?.arrayValue?.count ?? 0) == 2 }
        #expect(detail["results"]?.arrayValue?.count == 2)
        #expect(detail["state"] == .string("submitted"))
        _ = try await harness.waitFor(uuid) { _ in runware.downloads("/image/0.jpg") > 0 && runware.downloads("/image/1.jpg") > 0 }
        // Refused results are never fetched.
        #expect((2..<10).allSatisfy { runware.downloads("/image/\($0).jpg") == 0 })

        let metrics = String(decoding: try await harness.raw("GET", harness.adminURL + "/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"kontextd_results_refused_total{reason="results_exceed_task"} 8"#), "\(metrics)")
        #expect(try await harness.daemon.store.refusedResults(taskUUID: uuid).count == 8)
        await harness.stop()
        await runware.stop()
    }

    @Test func aResultAfterTheTaskCompletedIsRefused() async throws {
        let uuid = "b3333333-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { _, tasks, _ in ScriptedRunware.acknowledge(tasks) }
        runware.serve("/image/ok.jpg", HTTPResponse(status: 200, body: ScriptedRunware.jpeg))
        let harness = try await daemon(runware)
        _ = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Make it dusk", ["taskUUID": .string(uuid)]))
        let first = ScriptedRunware.result(taskUUID: uuid, imageUUID: "dddddddd-2222-4333-8444-555555555550", url: runware.baseURL + "/image/ok.jpg")
        #expect(try await harness.raw("POST", harness.webhookURL(uuid), body: JSONCoding.encode(first)).status == 200)
        #expect(try await harness.waitForFinal(uuid)["state"] == .string("completed"))

        let late = ScriptedRunware.result(taskUUID: uuid, imageUUID: "dddddddd-2222-4333-8444-555555555551", url: runware.baseURL + "/image/ok.jpg")
        let response = try await harness.raw("POST", harness.webhookURL(uuid), body: JSONCoding.encode(late))
        #expect(response.status == 409)
        #expect((try? JSONCoding.parse(response.body))?["error"]?["code"] == .string("task_final"))
        // A repeat of the result it took is still a plain duplicate.
        #expect(try await harness.raw("POST", harness.webhookURL(uuid), body: JSONCoding.encode(first)).status == 200)
        #expect(runware.downloads("/image/ok.jpg") == 1)
        let metrics = String(decoding: try await harness.raw("GET", harness.adminURL + "/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"kontextd_results_refused_total{reason="task_final"} 1"#), "\(metrics)")
        await harness.stop()
        await runware.stop()
    }

    @Test func anInlineImageIsStoredOnce() async throws {
        let uuid = "b2222222-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { _, tasks, _ in ScriptedRunware.acknowledge(tasks) }
        let harness = try await daemon(runware)
        let (status, _) = try await harness.admin(
            "POST", "/v1/tasks", json: DaemonHarness.task("Make it dusk", ["taskUUID": .string(uuid), "outputType": .string("base64Data")]))
        #expect(status == 202)
        let data = Data(ScriptedRunware.jpeg).base64EncodedString()
        let webhook: JSONValue = .object(["data": .array([.object([
            "taskType": .string("imageInference"), "taskUUID": .string(uuid),
            "imageUUID": .string("eeeeeeee-2222-4333-8444-555555555555"), "imageBase64Data": .string(data),
        ])])])
        let response = try await harness.raw("POST", harness.webhookURL(uuid), body: JSONCoding.encode(webhook))
        #expect(response.status == 200)
        _ = try await harness.waitForFinal(uuid)

        let db = try SQLiteConnection(path: harness.stateDirectory + "/kontextd.sqlite3", role: .reader, busyTimeout: .seconds(5))
        let rawBody: [UInt8] = try db.queryFirst("SELECT raw_body FROM deliveries") { $0["raw_body"] } ?? []
        let row = try db.queryFirst("SELECT raw_json, source_value FROM results") { row -> (String, String) in (row["raw_json"], row["source_value"]) }
        let prefix = String(data.prefix(64))
        #expect(row?.1 == data, "the data is the result's source")
        #expect(row?.0.contains(prefix) == false, "not again in the result's raw JSON")
        #expect(!String(decoding: rawBody, as: UTF8.self).contains(prefix), "nor in the delivery's raw body")
        #expect(rawBody.count < 1_000 && rawBody.count > 50)
        await harness.stop()
        await runware.stop()
    }
}
