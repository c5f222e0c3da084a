import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import KontextNet
import Testing

/// Downstream sync end to end: the real daemon and simulator, real sinks, independent checkers.
@Suite(.serialized) struct SyncTests {
    static func directorySink(_ name: String, path: String) -> SinkConfiguration {
        SinkConfiguration(
            name: name,
            kind: .directory(DirectorySinkSettings(path: path, keyTemplate: try! ObjectKeyTemplate(ObjectKeyTemplate.defaultTemplate))))
    }

    static func fastRetries(_ configuration: inout DaemonConfiguration) {
        configuration.sync.initialBackoff = 0.05
        configuration.sync.maxBackoff = 0.2
        configuration.sync.pauseProbeInterval = 0.2
    }

    /// Submits a task and waits for it to complete; returns its detail.
    static func completedTask(_ harness: DaemonHarness, results: Int = 1, format: String = "jpg") async throws -> JSONValue {
        let (status, body) = try await harness.admin(
            "POST", "/v1/tasks",
            json: DaemonHarness.task("Paint it in oils", ["numberResults": .integer(Int64(results)), "outputFormat": .string(format)]))
        #expect(status == 202, "\(body)")
        let detail = try await harness.waitForFinal(try #require(body["taskUUID"]?.stringValue))
        #expect(detail["state"] == .string("completed"), "\(detail)")
        return detail
    }

    /// Polls `GET /v1/sync` until `condition` holds for it (or 60 s pass) and returns it.
    static func waitForSync(_ harness: DaemonHarness, _ condition: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(60)
        while true {
            let (_, body) = try await harness.admin("GET", "/v1/sync")
            if condition(body["sinks"] ?? .null) || Date() > deadline { return body["sinks"] ?? .null }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func drained(_ names: [String], delivered: Int) -> (JSONValue) -> Bool {
        { sinks in names.allSatisfy { sinks[$0]?["backlog"]?.int64Value == 0 && sinks[$0]?["delivered"]?.int64Value == Int64(delivered) } }
    }

    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "kontextd-sink-" + UUID().uuidString
    }

    // MARK: Directory sink and the pull feed

    @Test func aDirectorySinkMirrorsEveryImageWithItsSidecarAndTheFeedListsEveryEventOnce() async throws {
        let mirror = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: mirror) }
        let harness = try await DaemonHarness.start { configuration in
            configuration.sync.sinks = [Self.directorySink("archive", path: mirror)]
        }
        let detail = try await Self.completedTask(harness, results: 2, format: "png")
        let sinks = try await Self.waitForSync(harness, Self.drained(["archive"], delivered: 2))
        #expect(sinks["archive"]?["state"] == .string("ok"), "\(sinks)")

        let taskUUID = try #require(detail["taskUUID"]?.stringValue)
        for result in detail["results"]?.arrayValue ?? [] {
            let imageUUID = try #require(result["imageUUID"]?.stringValue)
            let sha = try #require(result["sha256"]?.stringValue)
            let storedAt = try #require(result["storedAt"]?.doubleValue)
            // The key's date directories are the UTC date the image was stored.
            let day = UTCTime.iso8601(storedAt).prefix(10).replacingOccurrences(of: "-", with: "/")
            let path = "\(mirror)/\(day)/\(taskUUID)/\(imageUUID).png"
            let bytes = try #require(FileManager.default.contents(atPath: path), "no file at \(path)")
            #expect(SHA256Digest.hexHash(Array(bytes)) == sha)
            let sidecar = try JSONCoding.parse(Array(try #require(FileManager.default.contents(atPath: path + ".json"))))
            #expect(sidecar["imageUUID"] == .string(imageUUID))
            #expect(sidecar["sha256"] == .string(sha))
            #expect(sidecar["prompt"] == .string("Paint it in oils"))
            #expect(sidecar["seed"] != nil && sidecar["seed"] != .null)
        }
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: mirror + "/.kontextd-tmp").isEmpty)

        // The pull feed: two images then the finished task, in order, each once.
        let (status, feed) = try await harness.admin("GET", "/v1/events?after=0&limit=10")
        #expect(status == 200)
        let events = feed["events"]?.arrayValue ?? []
        #expect(events.compactMap { $0["event"]?["type"]?.stringValue } == ["image.stored", "image.stored", "task.finished"])
        #expect(Set(events.compactMap { $0["event"]?["id"]?.stringValue }).count == 3)
        let cursors = events.compactMap { $0["cursor"]?.stringValue.flatMap { Int($0) } }
        #expect(cursors == cursors.sorted() && cursors.count == 3)
        #expect(feed["nextCursor"]?.stringValue == String(cursors.last ?? -1))
        #expect(events.last?["event"]?["data"]?["state"] == .string("completed"))

        // A long-poll from the end returns as soon as the next event commits.
        let end = feed["nextCursor"]?.stringValue ?? "0"
        async let waiting = harness.admin("GET", "/v1/events?after=\(end)&wait=60")
        _ = try await Self.completedTask(harness)
        let (waitStatus, next) = try await waiting
        #expect(waitStatus == 200)
        #expect(next["events"]?.arrayValue?.first?["event"]?["type"] == .string("image.stored"))

        // Bad queries name the parameter, the rule and the value.
        let (badStatus, bad) = try await harness.admin("GET", "/v1/events?after=-1")
        #expect(badStatus == 400)
        #expect(bad["error"]?["message"]?.stringValue?.contains("after") == true)
        let (badWait, _) = try await harness.admin("GET", "/v1/events?wait=600")
        #expect(badWait == 400)

        // Backfill re-enqueues what the sink has: delivered again, idempotently, nothing duplicated.
        let (backfillStatus, backfill) = try await harness.admin("POST", "/v1/sync/backfill?sink=archive", json: .object([:]))
        #expect(backfillStatus == 200)
        #expect(backfill["enqueued"]?.int64Value == 0)
        let (unknownStatus, unknown) = try await harness.admin("POST", "/v1/sync/backfill?sink=nope", json: .object([:]))
        #expect(unknownStatus == 404)
        #expect(unknown["error"]?["message"]?.stringValue?.contains("archive") == true)
        await harness.stop()
    }

    // MARK: Webhook sink

    @Test(.enabled(if: TestVenv.enabled)) func aWebhookSinkThatIsDownForAWhileGetsEveryEventOnceSignedAsStandardWebhooksSay() async throws {
        let secret = "whsec_" + Data(MessageAuthentication.randomBytes(count: 24)).base64EncodedString()
        let log = Self.temporaryDirectory() + ".jsonl"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let receiver = try PythonProcess("webhook_receiver.py", [secret, log, "--fail-first", "3"])
        defer { receiver.stop() }
        let url = "http://127.0.0.1:\(receiver.firstLine)/hooks"
        let key = try #require(Data(base64Encoded: String(secret.dropFirst(6))))
        let harness = try await DaemonHarness.start { configuration in
            Self.fastRetries(&configuration)
            configuration.sync.sinks = [SinkConfiguration(name: "notify", kind: .webhook(WebhookSinkSettings(url: url, secret: Array(key))))]
        }
        _ = try await Self.completedTask(harness, results: 2)
        _ = try await Self.completedTask(harness)
        // 3 images and 2 finished tasks; the first 3 POSTs met a sink that was down.
        let sinks = try await Self.waitForSync(harness, Self.drained(["notify"], delivered: 5))
        #expect(sinks["notify"]?["backlog"]?.int64Value == 0, "\(sinks)")
        #expect(sinks["notify"]?["deadLetters"]?.int64Value == 0)

        let received = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { try JSONCoding.parse(String($0)) }
        let (_, feed) = try await harness.admin("GET", "/v1/events?limit=100")
        let feedEvents = feed["events"]?.arrayValue ?? []
        // Every event reached the receiver exactly once, verified, byte for byte the feed's body.
        #expect(received.count == 5)
        #expect(Set(received.compactMap { $0["id"]?.stringValue }) == Set(feedEvents.compactMap { $0["event"]?["id"]?.stringValue }))
        for item in received {
            let body = try JSONCoding.parse(try #require(item["body"]?.stringValue))
            #expect(feedEvents.contains { $0["event"] == body })
        }
        let metrics = try await harness.raw("GET", harness.adminURL + "/metrics")
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(text.contains(#"kontextd_sync_deliveries_total{sink="notify",outcome="failed"} 3"#)
            || text.contains(#"kontextd_sync_deliveries_total{outcome="failed",sink="notify"} 3"#), "\(text)")
        #expect(text.contains("kontextd_sync_backlog"))
        await harness.stop()
    }

    @Test(.enabled(if: TestVenv.enabled)) func aSinkThatKeepsFailingGrowsABacklogThenDeadLettersAndRetryPutsThemBack() async throws {
        let secret = "whsec_" + Data(MessageAuthentication.randomBytes(count: 24)).base64EncodedString()
        let log = Self.temporaryDirectory() + ".jsonl"
        let receiver = try PythonProcess("webhook_receiver.py", [secret, log, "--status", "500"])
        defer { receiver.stop() }
        // A token in the sink's URL: it must reach no error, log line or health report.
        let url = "http://127.0.0.1:\(receiver.firstLine)/hooks?token=do-not-log"
        let key = Array(try #require(Data(base64Encoded: String(secret.dropFirst(6)))))
        let mirror = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: mirror) }
        let harness = try await DaemonHarness.start { configuration in
            Self.fastRetries(&configuration)
            configuration.sync.maxAttempts = 3
            configuration.sync.sinks = [
                SinkConfiguration(name: "notify", kind: .webhook(WebhookSinkSettings(url: url, secret: key))),
                Self.directorySink("archive", path: mirror),
            ]
        }
        // The failing sink does not hold anything else up: tasks complete, the other sink drains.
        _ = try await Self.completedTask(harness)
        let sinks = try await Self.waitForSync(harness) { sinks in
            sinks["notify"]?["deadLetters"]?.int64Value == 2 && sinks["archive"]?["delivered"]?.int64Value == 1
        }
        #expect(sinks["notify"]?["state"] == .string("dead_letters"), "\(sinks)")
        #expect(sinks["notify"]?["lastError"]?.stringValue?.contains("HTTP 500") == true)
        #expect(sinks["notify"]?["lastError"]?.stringValue?.contains("do-not-log") == false, "\(sinks)")
        #expect(sinks["archive"]?["state"] == .string("ok"))
        let (healthStatus, health) = try await harness.admin("GET", "/healthz")
        #expect(!"\(health)".contains("do-not-log"), "\(health)")
        #expect(healthStatus == 503)
        #expect(health["conditions"]?["syncDeadLetters"]?.stringValue?.contains("sink notify: 2 dead letters") == true, "\(health)")
        #expect(health["sync"]?["notify"]?["deadLetters"]?.int64Value == 2)

        let (retryStatus, retry) = try await harness.admin("POST", "/v1/sync/retry?sink=notify", json: .object([:]))
        #expect(retryStatus == 200)
        #expect(retry["requeued"]?.int64Value == 2)
        #expect(!FileManager.default.fileExists(atPath: log))
        await harness.stop()
    }

    // MARK: Configuration

    @Test func syncConfigurationMistakesStopStartUpNamingKeyRuleAndValue() async throws {
        let base = ["KONTEXTD_WEBHOOK_SECRET": "0123456789abcdef0123"]
        func failure(_ yaml: String, environment: [String: String] = [:]) async -> String {
            let path = NSTemporaryDirectory() + "kontextd-sync-config-" + UUID().uuidString + ".yaml"
            try? yaml.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try await DaemonConfigurationLoader.load(filePath: path, environment: base.merging(environment) { $1 })
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(await failure("sync:\n  sinks: [a]\n  sink:\n    a:\n      type: ftp\n")
            == "configuration sync.sink.a.type: must be directory, s3 or webhook, got ftp")
        #expect(await failure("sync:\n  sinks: [b]\n  sink:\n    b:\n      type: s3\n      endpoint: http://127.0.0.1:9000\n")
            == "configuration sync.sink.b.bucket: is required for an s3 sink, got nothing")
        #expect(await failure("sync:\n  sinks: [c]\n  sink:\n    c:\n      type: directory\n      path: /tmp/x\n      keyTemplate: \"{yyyy}/{month}/{imageUUID}\"\n")
            .hasPrefix("configuration sync.sink.c.keyTemplate: uses an unknown placeholder"))
        #expect(await failure("sync:\n  sinks: [c]\n  sink:\n    c:\n      type: directory\n      path: /tmp/x\n      keyTemplate: \"{yyyy}/{month}/{imageUUID}\"\n")
            .hasSuffix("got {yyyy}/{month}/{imageUUID}"))
        #expect(await failure("""
            sync:
              sinks: [d]
              sink:
                d:
                  type: s3
                  endpoint: http://127.0.0.1:9000
                  bucket: images
                  accessKeyIdFile: /nonexistent/key-id
                  secretAccessKeyFile: /nonexistent/secret
            """) == "configuration sync.sink.d.accessKeyIdFile: must name a readable file, got /nonexistent/key-id")
        #expect(await failure("sync:\n  sinks: [e]\n  sink:\n    e:\n      type: s3\n      endpoint: http://127.0.0.1:9000\n      bucket: images\n")
            .contains("sync.sink.e.accessKeyIdFile: an access key is required"))
        #expect(await failure("sync:\n  sinks: [f]\n  sink:\n    f:\n      type: webhook\n      url: http://127.0.0.1/x\n      secret: not-whsec\n")
            == "configuration sync.sink.f.secret: must be whsec_ followed by the base64 of the key (Standard Webhooks), got a value without the whsec_ prefix")
        #expect(await failure("sync:\n  sinks: [g, g]\n  sink:\n    g:\n      type: directory\n      path: /tmp/g\n")
            == "configuration sync.sinks: must not name a sink twice, got g")
        #expect(await failure("images:\n  retainLocalDays: 30\n")
            .hasPrefix("configuration images.retainLocalDays: needs a directory or s3 sink"))
        #expect(await failure("sync:\n  maxAttempts: 0\n") == "configuration sync.maxAttempts: must be >= 1, got 0")

        // Credentials from the environment (AWS_*) and from systemd credentials are found.
        let credentials = Self.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: credentials) }
        try "id-from-credential\n".write(toFile: credentials + "/bucket-access-key-id", atomically: true, encoding: .utf8)
        let path = NSTemporaryDirectory() + "kontextd-sync-config-" + UUID().uuidString + ".yaml"
        try """
            sync:
              sinks: [bucket]
              sink:
                bucket:
                  type: s3
                  endpoint: https://s3.eu-central-1.amazonaws.com
                  region: eu-central-1
                  bucket: my-images
                  prefix: kontext/
            """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try await DaemonConfigurationLoader.load(
            filePath: path,
            environment: base.merging(["CREDENTIALS_DIRECTORY": credentials, "AWS_SECRET_ACCESS_KEY": "secret-from-env"]) { $1 })
        guard case .s3(let settings) = try #require(configuration.sync.sinks.first).kind else {
            Issue.record("expected an s3 sink")
            return
        }
        #expect(settings.accessKeyID == "id-from-credential")
        #expect(settings.secretAccessKey == "secret-from-env")
        #expect(settings.prefix == "kontext/")
        #expect(settings.pathStyle == false)
        #expect(configuration.sync.subscriptions.map(\.name) == ["bucket"])
    }
}
