import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import KontextNet
import KontextTesting
import RunwareSimulator
import Testing

/// The real daemon against the real simulator on loopback: the whole loop, over HTTP.
@Suite(.serialized) struct EndToEndTests {
    @Test func theFourReferenceExamplesCompleteWithVerifiedImages() async throws {
        let harness = try await DaemonHarness.start()
        var uuids: [String] = []
        for example in ReferenceExamples.all {
            let (status, body) = try await harness.admin("POST", "/v1/tasks", json: example.request)
            #expect(status == 202, "\(example.title): \(body)")
            uuids.append(try #require(body["taskUUID"]?.stringValue))
        }
        #expect(uuids == ReferenceExamples.all.map { $0.request["taskUUID"]?.stringValue ?? "" })
        for (example, uuid) in zip(ReferenceExamples.all, uuids) {
            let detail = try await harness.waitForFinal(uuid)
            #expect(detail["state"] == .string("completed"), "\(example.title): \(detail)")
            let results = try #require(detail["results"]?.arrayValue)
            #expect(results.count == 1)
            let result = try #require(results.first)
            #expect(result["state"] == .string("stored"))
            #expect(result["format"] == .string("JPG"))
            #expect(result["seed"]?.uint64Value == example.request["seed"]?.uint64Value)
            if let width = example.request["width"]?.int64Value, let height = example.request["height"]?.int64Value {
                #expect(result["width"]?.int64Value == width)
                #expect(result["height"]?.int64Value == height)
            }
            // The stored file is the simulator's image, byte for byte.
            let imageUUID = try #require(result["imageUUID"]?.stringValue)
            let path = try #require(result["path"]?.stringValue)
            let bytes = try #require(FileManager.default.contents(atPath: path))
            let sha = SHA256Digest.hexHash(Array(bytes))
            #expect(result["sha256"]?.stringValue == sha)
            #expect(harness.simulator.generatedImages().first { $0.imageUUID == imageUUID }?.sha256 == sha)
            // Served by the admin API with the right type and ETag.
            let image = try await harness.raw("GET", harness.adminURL + "/v1/images/\(imageUUID)")
            #expect(image.status == 200)
            #expect(image.header("content-type") == "image/jpeg")
            #expect(image.header("etag") == "\"\(sha)\"")
            #expect(SHA256Digest.hexHash(image.body) == sha)
        }
        let (healthStatus, health) = try await harness.admin("GET", "/healthz")
        #expect(healthStatus == 200)
        #expect(health["tasks"]?["completed"]?.int64Value == 4)
        await harness.stop()
    }

    @Test func threeResultsAccumulateToCompleted() async throws {
        let harness = try await DaemonHarness.start(webhookVariant: .wrapped)
        let (status, body) = try await harness.admin(
            "POST", "/v1/tasks", json: DaemonHarness.task("Make it snow", ["numberResults": .integer(3), "outputFormat": .string("png")]))
        #expect(status == 202)
        let uuid = try #require(body["taskUUID"]?.stringValue)
        let detail = try await harness.waitForFinal(uuid)
        #expect(detail["state"] == .string("completed"))
        let results = detail["results"]?.arrayValue ?? []
        #expect(results.count == 3)
        #expect(Set(results.compactMap { $0["imageUUID"]?.stringValue }).count == 3)
        #expect(results.allSatisfy { $0["state"] == .string("stored") && $0["format"] == .string("PNG") })
        #expect(detail["storedResults"]?.int64Value == 3)
        await harness.stop()
    }

    @Test func duplicateDeliveriesStoreNothingNew() async throws {
        let harness = try await DaemonHarness.start()
        let (_, body) = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task())
        let uuid = try #require(body["taskUUID"]?.stringValue)
        let detail = try await harness.waitForFinal(uuid)
        #expect(detail["state"] == .string("completed"))
        let result = try #require(detail["results"]?.arrayValue?.first)
        let imageUUID = try #require(result["imageUUID"]?.stringValue)
        let imageURL = try #require(result["imageURL"]?.stringValue)
        // Replay the delivery Runware made, bare and wrapped: both answered 200, nothing new stored.
        let bare: JSONValue = .object([
            "taskType": .string("imageInference"), "taskUUID": .string(uuid), "imageUUID": .string(imageUUID),
            "imageURL": .string(imageURL), "seed": .integer(42),
        ])
        for payload in [bare, .object(["data": .array([bare])])] {
            let response = try await harness.raw("POST", harness.webhookURL(uuid), body: JSONCoding.encode(payload))
            #expect(response.status == 200)
            let answer = try JSONCoding.parse(response.body)
            #expect(answer["newResults"]?.int64Value == 0)
            #expect(answer["duplicateResults"]?.int64Value == 1)
        }
        let after = try await harness.admin("GET", "/v1/tasks/\(uuid)").body
        #expect(after["results"]?.arrayValue?.count == 1)
        #expect(after["state"] == .string("completed"))
        await harness.stop()
    }

    @Test func aTaskRunwareRejectsKeepsRunwaresCodeAndMessage() async throws {
        let harness = try await DaemonHarness.start()
        let (status, body) = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Paint it [sim:reject] please"))
        #expect(status == 202)
        let uuid = try #require(body["taskUUID"]?.stringValue)
        let detail = try await harness.waitForFinal(uuid)
        #expect(detail["state"] == .string("rejected"))
        let code = try #require(detail["error"]?["code"]?.stringValue)
        #expect(!code.isEmpty && code != "unknown")
        let message: String = detail["error"]?["message"]?.stringValue ?? ""
        #expect(!message.isEmpty)
        #expect(detail["errors"]?.arrayValue?.first?["code"]?.stringValue == code)
        await harness.stop()
    }

    @Test func aGenerationFailureReportedByWebhookFailsTheTask() async throws {
        let harness = try await DaemonHarness.start()
        let (_, body) = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Paint it [sim:fail] please"))
        let uuid = try #require(body["taskUUID"]?.stringValue)
        let detail = try await harness.waitForFinal(uuid)
        #expect(detail["state"] == .string("failed"))
        #expect((detail["errors"]?.arrayValue ?? []).count >= 1)
        await harness.stop()
    }

    @Test func anImageThatFailsVerificationIsNeverStoredAsGood() async throws {
        let harness = try await DaemonHarness.start()
        let (_, body) = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Paint it [sim:corrupt] please"))
        let uuid = try #require(body["taskUUID"]?.stringValue)
        let detail = try await harness.waitForFinal(uuid)
        #expect(detail["state"] == .string("failed"))
        let result = try #require(detail["results"]?.arrayValue?.first)
        #expect(result["state"] == .string("failed"))
        #expect(result["path"] == nil)
        #expect(result["sha256"] == nil)
        let reason = result["failureReason"]?.stringValue ?? ""
        #expect(reason.contains("verification failed"), "\(reason)")
        let imageUUID = try #require(result["imageUUID"]?.stringValue)
        let image = try await harness.raw("GET", harness.adminURL + "/v1/images/\(imageUUID)")
        #expect(image.status == 404)
        // Nothing at all under images/: the corrupt bytes were never written as a stored image.
        let stored = (FileManager.default.enumerator(atPath: harness.stateDirectory + "/images")?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".jpg") }
        #expect(stored.isEmpty)
        await harness.stop()
    }

    @Test func forgedOrMissingTokensAreRefusedAndStoreNothing() async throws {
        let harness = try await DaemonHarness.start()
        let (_, body) = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("[sim:fail] never mind"))
        let uuid = try #require(body["taskUUID"]?.stringValue)
        _ = try await harness.waitForFinal(uuid)
        let forged: JSONValue = .object([
            "taskType": .string("imageInference"), "taskUUID": .string(uuid),
            "imageUUID": .string("0d9f4a51-8c7e-4b36-9a57-6f1d2c3b4a59"), "imageURL": .string("http://127.0.0.1:1/evil.jpg"),
        ])
        let wrongToken = String(repeating: "0", count: 64)
        let withoutToken = "\(harness.webhookBaseURL)/webhooks/runware/\(uuid)"
        for url in [harness.webhookURL(uuid, token: wrongToken), withoutToken, harness.webhookURL(uuid, token: "")] {
            let response = try await harness.raw("POST", url, body: JSONCoding.encode(forged))
            #expect(response.status == 401)
            #expect(try JSONCoding.parse(response.body)["error"]?["code"] == .string("invalid_token"))
        }
        // A token for one task does not open another.
        let other = "3b0c51d4-7f1e-4c2a-8d9e-0a1b2c3d4e5f"
        let crossed = try await harness.raw(
            "POST", "\(harness.webhookBaseURL)/webhooks/runware/\(other)?token=\(WebhookToken(key: harness.configuration.webhook.secret).token(for: uuid))",
            body: JSONCoding.encode(forged))
        #expect(crossed.status == 401)
        let detail = try await harness.admin("GET", "/v1/tasks/\(uuid)").body
        #expect(detail["results"]?.arrayValue?.isEmpty == true)
        await harness.stop()
    }

    @Test func webhookForUnknownTaskIs404AndMalformedBodyIs400() async throws {
        let harness = try await DaemonHarness.start()
        let unknown = "8a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d"
        let result: JSONValue = .object([
            "taskType": .string("imageInference"), "taskUUID": .string(unknown),
            "imageUUID": .string("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"), "imageURL": .string("http://127.0.0.1/x.jpg"),
        ])
        let response = try await harness.raw("POST", harness.webhookURL(unknown), body: JSONCoding.encode(result))
        #expect(response.status == 404)
        #expect(try JSONCoding.parse(response.body)["error"]?["code"] == .string("unknown_task"))
        let (_, body) = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("[sim:fail] x"))
        let uuid = try #require(body["taskUUID"]?.stringValue)
        let malformed = try await harness.raw("POST", harness.webhookURL(uuid), body: Array("not json".utf8))
        #expect(malformed.status == 400)
        let mismatch = try await harness.raw(
            "POST", harness.webhookURL(uuid),
            body: JSONCoding.encode(.object([
                "taskUUID": .string(unknown), "imageUUID": .string("5e1f0a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"),
                "imageURL": .string("http://127.0.0.1/x.jpg"),
            ])))
        // The only item is another task's: nothing understood for this task, 400 naming why.
        #expect(mismatch.status == 400)
        let refusal = try JSONCoding.parse(mismatch.body)["error"]
        #expect(refusal?["code"] == .string("invalid_body"))
        #expect(refusal?["message"]?.stringValue?.contains("belongs to task \(unknown)") == true)
        await harness.stop()
    }

    @Test func intakeValidatesIdempotencyAndConflicts() async throws {
        let harness = try await DaemonHarness.start(apiKeyOverride: "not-the-key")
        // Validation: every violation named, nothing stored.
        let bad = DaemonHarness.task("x", ["steps": .integer(99), "positivePromt": .string("typo")])
        let (status, body) = try await harness.admin("POST", "/v1/tasks", json: bad)
        #expect(status == 422)
        #expect(body["error"]?["code"] == .string("validation_failed"))
        let fields = Set((body["error"]?["issues"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue })
        #expect(fields.isSuperset(of: ["positivePrompt", "steps", "positivePromt"]))
        // Not JSON, though labelled so.
        let notJSON = try await harness.raw(
            "POST", harness.adminURL + "/v1/tasks", body: Array("{".utf8),
            headers: [HTTPHeader(name: "Content-Type", value: "application/json")])
        #expect(notJSON.status == 400)
        // Not labelled JSON (what an HTML form can send cross-site): 415, nothing queued.
        let plain = try await harness.raw(
            "POST", harness.adminURL + "/v1/tasks", body: JSONCoding.encode(DaemonHarness.task("form post", [:])),
            headers: [HTTPHeader(name: "Content-Type", value: "text/plain")])
        #expect(plain.status == 415)
        #expect(try await harness.admin("GET", "/v1/tasks").body["tasks"]?.arrayValue?.isEmpty == true)
        // Idempotency on the client's own taskUUID.
        let uuid = "6f2a9c1e-0b3d-4e5f-9a7b-1c2d3e4f5a6b"
        let task = DaemonHarness.task("Make it autumn", ["taskUUID": .string(uuid)])
        let first = try await harness.admin("POST", "/v1/tasks", json: task)
        #expect(first.status == 202)
        let again = try await harness.admin("POST", "/v1/tasks", json: task)
        #expect(again.status == 200)
        #expect(again.body["taskUUID"] == .string(uuid))
        let different = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Make it spring", ["taskUUID": .string(uuid)]))
        #expect(different.status == 409)
        #expect(different.body["error"]?["code"] == .string("task_conflict"))
        // A wrong API key pauses submission instead of rejecting the task; health says why.
        // The pause is the worker's answer to the 401: once health shows it, the task's fate
        // for that send is settled.
        #expect(await eventually {
            let health = try? await harness.admin("GET", "/healthz")
            return health?.status == 503
                && health?.body["conditions"]?["submissionPaused"]?.stringValue?.contains("401") == true
        })
        let detail = try await harness.admin("GET", "/v1/tasks/\(uuid)").body
        #expect(detail["state"] == .string("queued"))
        await harness.stop()
    }

    @Test func listingPaginatesAndFiltersByState() async throws {
        let harness = try await DaemonHarness.start(apiKeyOverride: "not-the-key")
        var created: [String] = []
        for index in 0..<7 {
            let (_, body) = try await harness.admin("POST", "/v1/tasks", json: DaemonHarness.task("Variation number \(index)"))
            created.append(try #require(body["taskUUID"]?.stringValue))
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let path = "/v1/tasks?limit=3" + (cursor.map { "&after=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? "")
            let (status, page) = try await harness.admin("GET", path)
            #expect(status == 200)
            let tasks = page["tasks"]?.arrayValue ?? []
            #expect(tasks.count <= 3)
            seen += tasks.compactMap { $0["taskUUID"]?.stringValue }
            cursor = page["nextCursor"]?.stringValue
        } while cursor != nil
        #expect(seen == created)
        let queued = try await harness.admin("GET", "/v1/tasks?state=queued&limit=100").body
        #expect(queued["tasks"]?.arrayValue?.count == 7)
        let completed = try await harness.admin("GET", "/v1/tasks?state=completed").body
        #expect(completed["tasks"]?.arrayValue?.isEmpty == true)
        let badState = try await harness.admin("GET", "/v1/tasks?state=done")
        #expect(badState.status == 400)
        #expect(badState.body["error"]?["message"]?.stringValue?.contains("state") == true)
        let badLimit = try await harness.admin("GET", "/v1/tasks?limit=0")
        #expect(badLimit.status == 400)
        await harness.stop()
    }

    @Test func base64OutputIsDecodedVerifiedAndStored() async throws {
        let harness = try await DaemonHarness.start()
        let (_, body) = try await harness.admin(
            "POST", "/v1/tasks", json: DaemonHarness.task("Make it noir", ["outputType": .string("base64Data"), "outputFormat": .string("WEBP")]))
        let uuid = try #require(body["taskUUID"]?.stringValue)
        let detail = try await harness.waitForFinal(uuid)
        #expect(detail["state"] == .string("completed"))
        let result = try #require(detail["results"]?.arrayValue?.first)
        #expect(result["source"] == .string("base64Data"))
        #expect(result["format"] == .string("WEBP"))
        #expect(result["width"]?.int64Value == 1024)
        await harness.stop()
    }
}
