import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import Testing

/// The S3 sink when the store misbehaves: moto (signature checking on) behind
/// `scripts/test/s3_fault_proxy.py`, which relays, answers an error of its choosing, or relays
/// and keeps the answer back (a store that answers slower than the sink's timeout). Every test
/// waits on the sink's state in `GET /v1/sync`, never on a sleep, and ends with boto3 reading the
/// bucket back: each image exactly once, byte-identical, with its sidecar.
@Suite(.serialized) struct S3FaultTests {
    /// moto and the proxy in front of it; the sink talks to the proxy.
    struct FaultyStore {
        let moto: S3SyncTests.Moto
        let proxy: PythonProcess
        let endpoint: String

        static func start() throws -> FaultyStore {
            let moto = try S3SyncTests.Moto.start()
            let port = try #require(URL(string: moto.endpoint)?.port)
            let proxy = try PythonProcess("s3_fault_proxy.py", [String(port)])
            let endpoint = try #require(try JSONCoding.parse(proxy.firstLine)["endpoint"]?.stringValue)
            return FaultyStore(moto: moto, proxy: proxy, endpoint: endpoint)
        }

        /// `pass`, `fail CODE` or `hold`.
        func set(_ mode: String) throws {
            let answer = try proxy.send(mode)
            #expect(answer == "ok", "proxy: \(answer)")
        }

        /// Every request the proxy saw: method, path and the mode it met.
        func requests() throws -> [(method: String, path: String, mode: String)] {
            try (JSONCoding.parse(proxy.send("log")).arrayValue ?? []).map {
                ($0["method"]?.stringValue ?? "", $0["path"]?.stringValue ?? "", $0["mode"]?.stringValue ?? "")
            }
        }

        func sink(timeout: Double = 120) -> SinkConfiguration {
            var settings = S3SinkSettings(
                endpoint: endpoint, region: "us-east-1", bucket: moto.bucket, prefix: "kontext/",
                keyTemplate: try! ObjectKeyTemplate(ObjectKeyTemplate.defaultTemplate), pathStyle: true,
                accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey)
            settings.timeout = timeout
            return SinkConfiguration(name: "bucket", kind: .s3(settings))
        }

        func stop() {
            proxy.stop()
            moto.process.stop()
        }
    }

    /// Starts a daemon syncing to `store`, completes one single-image task and returns it with its image path.
    static func daemonWithOneImage(
        _ store: FaultyStore, timeout: Double = 120
    ) async throws -> (harness: DaemonHarness, imageUUID: String, path: String, sha256: String) {
        let sink = store.sink(timeout: timeout)
        let harness = try await DaemonHarness.start { configuration in
            SyncTests.fastRetries(&configuration)
            configuration.sync.sinks = [sink]
        }
        let task = try await SyncTests.completedTask(harness)
        let result = try #require(task["results"]?.arrayValue?.first)
        return (
            harness, try #require(result["imageUUID"]?.stringValue), try #require(result["path"]?.stringValue),
            try #require(result["sha256"]?.stringValue)
        )
    }

    /// boto3 reads the bucket: the image once, byte-identical to the local file, and its sidecar.
    static func expectOnceInBucket(_ store: FaultyStore, imageUUID: String, path: String, sha256: String) throws {
        let objects = try store.moto.objects()
        let images = objects.filter { ($0["key"]?.stringValue ?? "").hasSuffix(imageUUID + ".jpg") }
        let sidecars = objects.filter { ($0["key"]?.stringValue ?? "").hasSuffix(imageUUID + ".jpg.json") }
        #expect(objects.count == 2, "\(objects)")
        #expect(images.count == 1 && sidecars.count == 1, "\(objects)")
        let local = try #require(FileManager.default.contents(atPath: path))
        #expect(images.first?["sha256"] == .string(SHA256Digest.hexHash(Array(local))))
        #expect(images.first?["sha256"] == .string(sha256))
    }

    /// Requests for the image object itself (not its sidecar).
    static func imageRequests(
        _ requests: [(method: String, path: String, mode: String)], imageUUID: String
    ) -> [(method: String, path: String, mode: String)] {
        requests.filter { $0.path.hasSuffix(imageUUID + ".jpg") }
    }

    @Test(.enabled(if: TestVenv.enabled)) func aFreshDeliveryUploadsAtOnceWithoutAHead() async throws {
        let store = try FaultyStore.start()
        defer { store.stop() }
        let (harness, imageUUID, path, sha256) = try await Self.daemonWithOneImage(store)
        let sinks = try await SyncTests.waitForSync(harness, SyncTests.drained(["bucket"], delivered: 1))
        #expect(sinks["bucket"]?["attempts"]?.int64Value == 0, "\(sinks)")
        // A first attempt of a fresh delivery: the image PUT and the sidecar PUT, no HEAD.
        let requests = try store.requests()
        #expect(requests.map(\.method) == ["PUT", "PUT"], "\(requests)")
        #expect(Self.imageRequests(requests, imageUUID: imageUUID).map(\.method) == ["PUT"], "\(requests)")
        try Self.expectOnceInBucket(store, imageUUID: imageUUID, path: path, sha256: sha256)
        await harness.stop()
    }

    @Test(.enabled(if: TestVenv.enabled)) func a500IsRetriedWithBackoffAndTheImageArrivesOnce() async throws {
        let store = try FaultyStore.start()
        defer { store.stop() }
        try store.set("fail 500")
        let (harness, imageUUID, path, sha256) = try await Self.daemonWithOneImage(store)
        // Failing, retried (attempts counted, the 500 named), neither paused nor given up.
        let failing = try await SyncTests.waitForSync(harness) { ($0["bucket"]?["attempts"]?.int64Value ?? 0) >= 2 }
        let bucket = try #require(failing["bucket"])
        #expect((bucket["attempts"]?.int64Value ?? 0) >= 2, "\(failing)")
        #expect(bucket["failing"]?.int64Value == 1, "\(bucket)")
        #expect(bucket["state"] == .string("ok"), "\(bucket)")
        #expect(bucket["deadLetters"]?.int64Value == 0, "\(bucket)")
        #expect(bucket["lastError"]?.stringValue?.contains("HTTP 500") == true, "\(bucket)")

        try store.set("pass")
        let sinks = try await SyncTests.waitForSync(harness, SyncTests.drained(["bucket"], delivered: 1))
        #expect(sinks["bucket"]?["deadLetters"]?.int64Value == 0, "\(sinks)")
        // After failures the delivery looks first (HEAD: nothing there), then uploads once.
        let requests = try store.requests()
        let passed = Self.imageRequests(requests, imageUUID: imageUUID).filter { $0.mode == "pass" }
        #expect(passed.map(\.method) == ["HEAD", "PUT"], "\(requests)")
        #expect(requests.filter { $0.mode == "fail 500" }.count >= 2, "\(requests)")
        try Self.expectOnceInBucket(store, imageUUID: imageUUID, path: path, sha256: sha256)
        await harness.stop()
    }

    @Test(.enabled(if: TestVenv.enabled)) func anAnswerSlowerThanTheTimeoutIsRetriedAndTheHeadSkipsTheRepeat() async throws {
        let store = try FaultyStore.start()
        defer { store.stop() }
        // The store gets the upload and keeps it, but its answer never comes back in time.
        try store.set("hold")
        let (harness, imageUUID, path, sha256) = try await Self.daemonWithOneImage(store, timeout: 1)
        let failing = try await SyncTests.waitForSync(harness) { ($0["bucket"]?["attempts"]?.int64Value ?? 0) >= 1 }
        let bucket = try #require(failing["bucket"])
        #expect(bucket["lastError"]?.stringValue?.contains("timeout") == true, "\(bucket)")
        #expect(bucket["deadLetters"]?.int64Value == 0, "\(bucket)")

        try store.set("pass")
        _ = try await SyncTests.waitForSync(harness, SyncTests.drained(["bucket"], delivered: 1))
        // The held PUT reached moto; after the timeout the retry's HEAD finds the identical object
        // and skips the upload: the image went up exactly once.
        let requests = try store.requests()
        let image = Self.imageRequests(requests, imageUUID: imageUUID)
        #expect(image.filter { $0.method == "PUT" }.map(\.mode) == ["hold"], "\(requests)")
        #expect(image.last.map { "\($0.method) \($0.mode)" } == "HEAD pass", "\(requests)")
        try Self.expectOnceInBucket(store, imageUUID: imageUUID, path: path, sha256: sha256)
        await harness.stop()
    }

    @Test(.enabled(if: TestVenv.enabled)) func a403PausesWithoutSpendingAttemptsAndTheSinkResumesWhenTheStoreAnswers() async throws {
        let store = try FaultyStore.start()
        defer { store.stop() }
        try store.set("fail 403")
        let (harness, imageUUID, path, sha256) = try await Self.daemonWithOneImage(store)
        let paused = try await SyncTests.waitForSync(harness) { $0["bucket"]?["state"] == .string("paused") }
        let bucket = try #require(paused["bucket"])
        #expect(bucket["pausedReason"]?.stringValue?.contains("HTTP 403 AccessDenied") == true, "\(bucket)")
        #expect(bucket["attempts"]?.int64Value == 0, "\(bucket)")
        #expect(bucket["backlog"]?.int64Value == 1, "\(bucket)")
        let (pausedStatus, pausedHealth) = try await harness.admin("GET", "/healthz")
        #expect(pausedStatus == 503)
        #expect(pausedHealth["conditions"]?["syncPaused"]?.stringValue?.contains("AccessDenied") == true, "\(pausedHealth)")

        try store.set("pass")
        let sinks = try await SyncTests.waitForSync(harness) {
            SyncTests.drained(["bucket"], delivered: 1)($0) && $0["bucket"]?["state"] == .string("ok")
        }
        #expect(sinks["bucket"]?["attempts"]?.int64Value == 0, "\(sinks)")
        let (status, health) = try await harness.admin("GET", "/healthz")
        #expect(status == 200, "\(health)")
        #expect(health["conditions"]?["syncPaused"] == nil, "\(health)")
        try Self.expectOnceInBucket(store, imageUUID: imageUUID, path: path, sha256: sha256)
        await harness.stop()
    }
}
