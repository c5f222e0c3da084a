import Foundation
import KontextCore
import KontextTesting
import Testing

/// The S3 sink's "look before uploading again" after a SIGKILL: the real binary uploads through
/// `scripts/test/s3_fault_proxy.py` in front of moto (signature checking on), is killed while its
/// image PUT has reached moto but not been answered, and after the restart the delivery sends a
/// HEAD first (the sink's attempted-through mark says an earlier process may have sent it), finds
/// the identical object and does not upload it again.
@Suite(.serialized) struct S3KillTests {
    /// The fault proxy (`scripts/test/s3_fault_proxy.py`): relays, answers errors, or relays and
    /// keeps the answer back (`hold`).
    final class FaultProxy {
        private let script: VenvScript
        let endpoint: String

        init(upstreamPort: Int) throws {
            script = try VenvScript("s3_fault_proxy.py", [String(upstreamPort)])
            endpoint = try #require(try JSONCoding.parse(script.firstLine)["endpoint"]?.stringValue)
        }

        func send(_ command: String) throws -> String { try script.send(command) }

        /// Every request so far: method, path, the mode it met.
        func requests() throws -> [(method: String, path: String, mode: String)] {
            try (JSONCoding.parse(send("log")).arrayValue ?? []).map {
                ($0["method"]?.stringValue ?? "", $0["path"]?.stringValue ?? "", $0["mode"]?.stringValue ?? "")
            }
        }

        func stop() { script.stop() }
    }

    @Test(.enabled(if: SinkCredentialReloadTests.MotoServer.enabled))
    func anUploadCutOffByAKillIsLookedForAfterTheRestartAndNotSentAgain() async throws {
        let moto = try SinkCredentialReloadTests.MotoServer(bucket: "kontextd-kill")
        defer { moto.stop() }
        let motoEndpoint = try #require(moto.description["endpoint"]?.stringValue)
        let motoPort = try #require(URL(string: motoEndpoint)?.port)
        let proxy = try FaultProxy(upstreamPort: motoPort)
        defer { proxy.stop() }
        let simulator = try await SimulatorFixture.start { $0.generationDelay = 0.05 }
        defer { Task { await simulator.stop() } }
        let daemon = try DaemonProcess(
            runwareURL: simulator.endpointURL, apiKey: simulator.configuration.apiKey,
            settings: [
                "KONTEXTD_SYNC_SINKS": "bucket", "KONTEXTD_SYNC_SINK_BUCKET_TYPE": "s3",
                "KONTEXTD_SYNC_SINK_BUCKET_ENDPOINT": proxy.endpoint, "KONTEXTD_SYNC_SINK_BUCKET_BUCKET": "kontextd-kill",
                "KONTEXTD_SYNC_SINK_BUCKET_PATH_STYLE": "true",
                // Long enough that the held PUT is still waiting when the kill comes.
                "KONTEXTD_SYNC_SINK_BUCKET_TIMEOUT": "600",
                "AWS_ACCESS_KEY_ID": try #require(moto.description["accessKeyId"]?.stringValue),
                "AWS_SECRET_ACCESS_KEY": try #require(moto.description["secretAccessKey"]?.stringValue),
            ])
        defer { Task { await daemon.discard() } }

        #expect(try proxy.send("hold") == "ok")
        try await daemon.start()
        let created = try await daemon.admin("POST", "/v1/tasks", json: .object([
            "taskType": .string("imageInference"), "model": .string("runware:106@1"), "positivePrompt": .string("a harbour in fog"),
            "inputs": .object(["referenceImages": .array([.string("https://assets.runware.ai/assets/inputs/x.jpg")])]),
            "width": .integer(1024), "height": .integer(1024), "steps": .integer(4), "outputFormat": .string("JPG"),
        ]))
        let uuid = try #require(created.body["taskUUID"]?.stringValue, "\(created)")
        // The image PUT has reached the proxy (and moto): the kill cuts it off unanswered.
        let sent = await eventually { ((try? proxy.requests()) ?? []).contains { $0.method == "PUT" && $0.path.hasSuffix(".jpg") } }
        #expect(sent, "no image PUT reached the store: \(String(describing: try? proxy.requests()))\n\(daemon.logTail())")
        try await daemon.kill9()

        #expect(try proxy.send("pass") == "ok")
        try await daemon.start()
        let delivered = await eventually {
            let sync = (try? await daemon.admin("GET", "/healthz").body)?["sync"]?["bucket"]
            return sync?["delivered"]?.int64Value == 1 && sync?["backlog"]?.int64Value == 0
        }
        #expect(delivered, "\(daemon.logTail())")

        let detail = try await daemon.admin("GET", "/v1/tasks/\(uuid)").body
        let result = try #require(detail["results"]?.arrayValue?.first, "\(detail)")
        let imageUUID = try #require(result["imageUUID"]?.stringValue)
        let image = try proxy.requests().filter { $0.path.hasSuffix(imageUUID + ".jpg") }
        // One upload in all (the one the kill cut off); after the restart a HEAD, no second PUT.
        #expect(image.filter { $0.method == "PUT" }.map(\.mode) == ["hold"], "\(image)")
        #expect(image.contains { $0.method == "HEAD" && $0.mode == "pass" }, "\(image)")
        let objects = try moto.objects()
        #expect(objects.count == 2, "\(objects)")
        let stored = objects.first { ($0["key"]?.stringValue ?? "").hasSuffix(imageUUID + ".jpg") }
        #expect(stored?["sha256"] == result["sha256"], "\(objects)")
        #expect(objects.contains { ($0["key"]?.stringValue ?? "").hasSuffix(imageUUID + ".jpg.json") }, "\(objects)")
        _ = try await daemon.terminate()
    }
}
