import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import KontextNet
import Synchronization
import Testing

/// Every retry and reconciliation rule, one fault at a time, against a scripted Runware.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RecoveryTests {
    /// A daemon pointed at `runware`, with short deadlines so recovery happens within the test.
    func daemon(_ runware: ScriptedRunware, _ configure: @escaping @Sendable (inout DaemonConfiguration) -> Void = { _ in }) async throws -> DaemonHarness {
        try await DaemonHarness.start(apiKeyOverride: "scripted-key", apiURL: runware.baseURL + "/v1") { configuration in
            configuration.runware.requestTimeout = 0.5
            configuration.reconcile = .init(overdueAfter: 0.3, interval: 0.2)
            configuration.images.maxFetchAttempts = 3
            configure(&configuration)
        }
    }

    func submit(_ harness: DaemonHarness, uuid: String, numberResults: Int64 = 1) async throws {
        let (status, body) = try await harness.admin(
            "POST", "/v1/tasks",
            json: DaemonHarness.task("Make it dusk", ["taskUUID": .string(uuid), "numberResults": .integer(numberResults)]))
        #expect(status == 202, "\(body)")
    }

    @Test func transientErrorsAreRetriedUntilAccepted() async throws {
        let uuid = "11111111-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { _, tasks, index in
            switch index {
            case 0: return ScriptedRunware.error(503, code: "serviceUnavailable", taskUUID: nil, headers: [HTTPHeader(name: "Retry-After", value: "0")])
            case 1: return ScriptedRunware.error(429, code: "queueCapacityExceeded", taskUUID: nil)
            default: return ScriptedRunware.acknowledge(tasks)
            }
        }
        let harness = try await daemon(runware)
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitFor(uuid, timeout: 20) { $0["state"] == .string("submitted") }
        #expect(detail["state"] == .string("submitted"))
        #expect(runware.count(taskType: "imageInference") == 3)
        await harness.stop()
        await runware.stop()
    }

    @Test func theSubmissionBudgetFailsATaskWithTheReason() async throws {
        let uuid = "21111111-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { _, _, _ in
            ScriptedRunware.error(504, code: "timeoutExceeded", taskUUID: nil, headers: [HTTPHeader(name: "Retry-After", value: "0")])
        }
        let harness = try await daemon(runware) { configuration in
            configuration.runware.maxSubmitFailures = 2
            // Room for a loaded machine: a send that times out is uncertain (Runware may have the
            // task), and an uncertain task is settled by getResponse, never failed blind — this
            // scripted Runware answers 504 to that too, so the task would rightly stay queued.
            configuration.runware.requestTimeout = 15
        }
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitForFinal(uuid, timeout: 30)
        #expect(detail["state"] == .string("failed"))
        #expect(detail["error"]?["code"] == .string("submissionGaveUp"))
        #expect(detail["error"]?["message"]?.stringValue?.contains("504") == true)
        #expect(runware.count(taskType: "imageInference") == 2)
        await harness.stop()
        await runware.stop()
    }

    /// A Runware whose answer to the first send never comes back in time (the send "reached" it),
    /// answering `getResponse` with `poll` and every later send with `resend`.
    func ambiguousSend(poll: HTTPResponse, resend: @escaping @Sendable ([JSONValue]) -> HTTPResponse) async throws -> ScriptedRunware {
        try await ScriptedRunware.start { _, tasks, index in
            if index == 0 {
                try? await Task.sleep(for: .seconds(2))
                return ScriptedRunware.acknowledge(tasks)
            }
            if tasks.first?["taskType"] == .string("getResponse") { return poll }
            return resend(tasks)
        }
    }

    @Test func anAmbiguousSendIsAskedAboutAndNeverSentTwice() async throws {
        let uuid = "31111111-2222-4333-8444-555555555555"
        let runware = try await ambiguousSend(
            poll: ScriptedRunware.json(200, .object(["data": .array([.object([
                "taskType": .string("imageInference"), "taskUUID": .string(uuid), "status": .string("processing"),
            ])])])),
            resend: { ScriptedRunware.acknowledge($0) })
        let harness = try await daemon(runware) { $0.reconcile = .init(overdueAfter: 60, interval: 60) }
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitFor(uuid, timeout: 20) { $0["state"] == .string("submitted") }
        #expect(detail["state"] == .string("submitted"))
        #expect(runware.count(taskType: "imageInference") == 1)
        #expect(runware.count(taskType: "getResponse") >= 1)
        await harness.stop()
        await runware.stop()
    }

    @Test func anAmbiguousSendRunwareNeverGotIsSentAgainAndAConflictCountsAsAccepted() async throws {
        let uuid = "41111111-2222-4333-8444-555555555555"
        // getResponse: never received; the resend then finds Runware had it after all.
        let runware = try await ambiguousSend(
            poll: ScriptedRunware.error(400, code: "taskNotFound", taskUUID: uuid),
            resend: { _ in ScriptedRunware.error(400, code: "conflictTaskUUID", taskUUID: uuid) })
        let harness = try await daemon(runware) { $0.reconcile = .init(overdueAfter: 60, interval: 60) }
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitFor(uuid, timeout: 20) { $0["state"] == .string("submitted") }
        #expect(detail["state"] == .string("submitted"))
        #expect(runware.count(taskType: "imageInference") == 2)
        await harness.stop()
        await runware.stop()
    }

    @Test(arguments: [400, 403])
    func perTaskErrorsAreFinalAndKeepRunwaresCode(status: Int) async throws {
        let uuid = "51111111-2222-4333-8444-55555555555\(status % 10)"
        let runware = try await ScriptedRunware.start { _, _, _ in
            ScriptedRunware.error(status, code: status == 400 ? "invalidModel" : "noPermission", taskUUID: uuid)
        }
        let harness = try await daemon(runware)
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitForFinal(uuid, timeout: 20)
        #expect(detail["state"] == .string("rejected"))
        #expect(detail["error"]?["code"] == .string(status == 400 ? "invalidModel" : "noPermission"))
        #expect(runware.count(taskType: "imageInference") == 1)
        await harness.stop()
        await runware.stop()
    }

    @Test(arguments: [401, 402])
    func accountErrorsPauseSubmissionInsteadOfRejecting(status: Int) async throws {
        let uuid = "61111111-2222-4333-8444-55555555555\(status % 10)"
        let runware = try await ScriptedRunware.start { _, _, _ in
            ScriptedRunware.error(status, code: status == 401 ? "invalidApiKey" : "insufficientCredits", taskUUID: nil)
        }
        let harness = try await daemon(runware)
        try await submit(harness, uuid: uuid)
        var health = try await harness.admin("GET", "/healthz")
        for _ in 0..<100 where health.status == 200 {
            try await Task.sleep(for: .milliseconds(50))
            health = try await harness.admin("GET", "/healthz")
        }
        #expect(health.status == 503)
        let reason = health.body["conditions"]?["submissionPaused"]?.stringValue ?? ""
        #expect(reason.contains("\(status)"), "\(reason)")
        let detail = try await harness.admin("GET", "/v1/tasks/\(uuid)").body
        #expect(detail["state"] == .string("queued"))
        await harness.stop()
        await runware.stop()
    }

    @Test func aLostWebhookIsRepairedByPollingAndCounted() async throws {
        let uuid = "71111111-2222-4333-8444-555555555555"
        let imageUUID = "7aaaaaaa-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { request, tasks, _ in
            if tasks.first?["taskType"] == .string("getResponse") {
                let base = request.header("host").map { "http://\($0)" } ?? ""
                return ScriptedRunware.json(200, .object(["data": .array([
                    ScriptedRunware.result(taskUUID: uuid, imageUUID: imageUUID, url: base + "/image/a.jpg", status: "success")
                ])]))
            }
            return ScriptedRunware.acknowledge(tasks)  // and the webhook never comes
        }
        runware.serve("/image/a.jpg", HTTPResponse(status: 200, headers: [HTTPHeader(name: "Content-Type", value: "image/jpeg")], body: ScriptedRunware.jpeg))
        let harness = try await daemon(runware)
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitForFinal(uuid, timeout: 20)
        #expect(detail["state"] == .string("completed"))
        #expect(detail["results"]?.arrayValue?.first?["sha256"]?.stringValue == SHA256Digest.hexHash(ScriptedRunware.jpeg))
        let health = try await harness.admin("GET", "/healthz").body
        #expect(health["repairs"]?.int64Value == 1)
        let metrics = try await harness.raw("GET", harness.adminURL + "/metrics")
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("kontextd_reconciler_repairs_total 1"))
        await harness.stop()
        await runware.stop()
    }

    @Test func aResendAfterTaskFailedOrNotFoundThatMeetsAConflictFailsTheTask() async throws {
        let uuid = "42111111-2222-4333-8444-555555555555"
        // Runware had it (it ran and failed): counted as accepted, the resend's conflict would wait forever.
        let runware = try await ambiguousSend(
            poll: ScriptedRunware.error(400, code: "taskFailedOrNotFound", taskUUID: uuid),
            resend: { _ in ScriptedRunware.error(400, code: "conflictTaskUUID", taskUUID: uuid) })
        let harness = try await daemon(runware) { $0.reconcile = .init(overdueAfter: 60, interval: 60) }
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitForFinal(uuid, timeout: 20)
        #expect(detail["state"] == .string("failed"))
        #expect(detail["error"]?["code"] == .string("taskFailedOrNotFound"))
        #expect(detail["error"]?["message"]?.stringValue?.contains("ran and failed") == true)
        #expect(runware.count(taskType: "imageInference") == 2)
        await harness.stop()
        await runware.stop()
    }

    @Test func aResendAfterTaskFailedOrNotFoundThatRunwareTakesRuns() async throws {
        let uuid = "42211111-2222-4333-8444-555555555555"
        // Runware never had it: the resend is simply accepted.
        let runware = try await ambiguousSend(
            poll: ScriptedRunware.error(400, code: "taskFailedOrNotFound", taskUUID: uuid),
            resend: { ScriptedRunware.acknowledge($0) })
        let harness = try await daemon(runware) { $0.reconcile = .init(overdueAfter: 60, interval: 60) }
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitFor(uuid, timeout: 20) { $0["state"] == .string("submitted") }
        #expect(detail["state"] == .string("submitted"))
        #expect(runware.count(taskType: "imageInference") == 2)
        await harness.stop()
        await runware.stop()
    }

    @Test func conflictTaskUUIDOnAFirstSendRejectsTheTask() async throws {
        let uuid = "43111111-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { _, _, _ in
            ScriptedRunware.error(400, code: "conflictTaskUUID", taskUUID: uuid)
        }
        let harness = try await daemon(runware)
        try await submit(harness, uuid: uuid)
        let detail = try await harness.waitForFinal(uuid, timeout: 20)
        #expect(detail["state"] == .string("rejected"))
        #expect(detail["error"]?["code"] == .string("taskUUIDTaken"))
        #expect(detail["error"]?["message"]?.stringValue?.contains("another Runware task") == true)
        #expect(runware.count(taskType: "imageInference") == 1)
        #expect(runware.count(taskType: "getResponse") == 0)
        await harness.stop()
        await runware.stop()
    }

    @Test func anExpiredImageURLIsReplacedByAFreshOne() async throws {
        let uuid = "91111111-2222-4333-8444-555555555555"
        let imageUUID = "9aaaaaaa-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { request, tasks, _ in
            if tasks.first?["taskType"] == .string("getResponse") {
                let base = request.header("host").map { "http://\($0)" } ?? ""
                return ScriptedRunware.json(200, .object(["data": .array([
                    ScriptedRunware.result(taskUUID: uuid, imageUUID: imageUUID, url: base + "/image/fresh.jpg", status: "success")
                ])]))
            }
            return ScriptedRunware.acknowledge(tasks)
        }
        runware.serve("/image/fresh.jpg", HTTPResponse(status: 200, body: ScriptedRunware.jpeg))  // /image/old.jpg: 404
        let harness = try await daemon(runware) { $0.reconcile = .init(overdueAfter: 3600, interval: 3600) }
        try await submit(harness, uuid: uuid)
        _ = try await harness.waitFor(uuid, timeout: 20) { $0["state"] == .string("submitted") }
        let webhook = ScriptedRunware.result(taskUUID: uuid, imageUUID: imageUUID, url: runware.baseURL + "/image/old.jpg")
        let delivered = try await harness.raw("POST", harness.webhookURL(uuid), body: JSONCoding.encode(webhook))
        #expect(delivered.status == 200)
        let detail = try await harness.waitForFinal(uuid, timeout: 20)
        #expect(detail["state"] == .string("completed"))
        #expect(detail["results"]?.arrayValue?.first?["imageURL"]?.stringValue?.hasSuffix("/image/fresh.jpg") == true)
        await harness.stop()
        await runware.stop()
    }

    @Test func flakyDownloadsAreRetriedThenFailedWithTheReason() async throws {
        let uuid = "a1111111-2222-4333-8444-555555555555"
        let runware = try await ScriptedRunware.start { _, tasks, _ in ScriptedRunware.acknowledge(tasks) }
        // A truncated image: verification fails on every attempt.
        runware.serve("/image/cut.jpg", HTTPResponse(status: 200, body: Array(ScriptedRunware.jpeg.prefix(ScriptedRunware.jpeg.count / 2))))
        runware.serve("/image/busy.jpg", HTTPResponse(status: 503))
        let harness = try await daemon(runware) { configuration in
            configuration.reconcile = .init(overdueAfter: 3600, interval: 3600)
            configuration.images.maxFetchAttempts = 2
        }
        try await submit(harness, uuid: uuid, numberResults: 2)
        _ = try await harness.waitFor(uuid, timeout: 20) { $0["state"] == .string("submitted") }
        for (image, path) in [("aaaaaaaa-2222-4333-8444-555555555551", "/image/cut.jpg"), ("aaaaaaaa-2222-4333-8444-555555555552", "/image/busy.jpg")] {
            let webhook = ScriptedRunware.result(taskUUID: uuid, imageUUID: image, url: runware.baseURL + path)
            _ = try await harness.raw("POST", harness.webhookURL(uuid), body: JSONCoding.encode(webhook))
        }
        let detail = try await harness.waitFor(uuid, timeout: 30) { detail in
            (detail["results"]?.arrayValue ?? []).allSatisfy { $0["state"] == .string("failed") }
        }
        let results = detail["results"]?.arrayValue ?? []
        #expect(results.count == 2)
        for result in results {
            #expect(result["state"] == .string("failed"))
            #expect(result["fetchAttempts"]?.int64Value == 2)
            let reason = result["failureReason"]?.stringValue ?? ""
            #expect(reason.contains("gave up after 2 attempts"), "\(reason)")
        }
        #expect(detail["state"] == .string("failed"))
        await harness.stop()
        await runware.stop()
    }
}
