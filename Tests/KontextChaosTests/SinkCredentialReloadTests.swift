import Foundation
import KontextCore
import KontextTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real binary with an S3 sink against moto's server (signature checking on): credentials
/// read from files, replaced by SIGHUP.
@Suite(.serialized) struct SinkCredentialReloadTests {
    /// moto's S3 server (`scripts/test/moto_s3.py`), from the test virtualenv that `make test`
    /// passes as KONTEXTD_TEST_VENV. It serves until its stdin closes.
    final class MotoServer {
        private let script: VenvScript
        let description: JSONValue

        static var enabled: Bool { VenvScript.enabled }

        init(bucket: String) throws {
            script = try VenvScript("moto_s3.py", [bucket])
            description = try JSONCoding.parse(script.firstLine)
        }

        /// Every object in the bucket, read back by boto3 (`scripts/test/s3_read_back.py`): key,
        /// SHA-256 of the bytes, metadata.
        func objects() throws -> [JSONValue] {
            let output = try VenvScript.run("s3_read_back.py", [
                description["endpoint"]?.stringValue ?? "", description["accessKeyId"]?.stringValue ?? "",
                description["secretAccessKey"]?.stringValue ?? "", description["bucket"]?.stringValue ?? "",
            ])
            return try JSONCoding.parse(output)["objects"]?.arrayValue ?? []
        }

        func stop() { script.stop() }
    }

    @Test(.enabled(if: MotoServer.enabled))
    func aSinkPausedByA403ResumesAfterAReloadWithNewCredentialsAndUnreadableOnesAreRefused() async throws {
        let moto = try MotoServer(bucket: "kontextd-reload")
        defer { moto.stop() }
        let endpoint = try #require(moto.description["endpoint"]?.stringValue)
        let accessKey = try #require(moto.description["accessKeyId"]?.stringValue)
        let secret = try #require(moto.description["secretAccessKey"]?.stringValue)
        let wrongSecret = String(secret.reversed())

        let simulator = try await SimulatorFixture.start { $0.generationDelay = 0.05 }
        defer { Task { await simulator.stop() } }
        let daemon = try DaemonProcess(runwareURL: simulator.endpointURL, apiKey: simulator.configuration.apiKey)
        defer { Task { await daemon.discard() } }
        let keyFile = daemon.directory + "/s3-access-key-id", secretFile = daemon.directory + "/s3-secret-access-key"
        let file = daemon.directory + "/kontextd.yaml"
        try accessKey.write(toFile: keyFile, atomically: true, encoding: .utf8)
        try (wrongSecret + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        // Probes of a paused sink every 600 s: a prompt resume can only come from the reload.
        func configuration(secretPath: String) -> String {
            """
            sync:
              initialBackoff: 600
              pauseProbeInterval: 600
              sinks: [bucket]
              sink:
                bucket:
                  type: s3
                  endpoint: \(endpoint)
                  region: us-east-1
                  bucket: kontextd-reload
                  pathStyle: true
                  accessKeyIdFile: \(keyFile)
                  secretAccessKeyFile: \(secretPath)

            """
        }
        try configuration(secretPath: secretFile).write(toFile: file, atomically: true, encoding: .utf8)
        try await daemon.start(arguments: ["--config", file])
        let pid = try #require(daemon.pid)

        let created = try await daemon.admin("POST", "/v1/tasks", json: .object([
            "taskType": .string("imageInference"), "model": .string("runware:106@1"), "positivePrompt": .string("a lighthouse at dusk"),
            "inputs": .object(["referenceImages": .array([.string("https://assets.runware.ai/assets/inputs/x.jpg")])]),
            "width": .integer(1024), "height": .integer(1024), "steps": .integer(4), "outputFormat": .string("JPG"),
        ]))
        let uuid = try #require(created.body["taskUUID"]?.stringValue, "\(created)")
        func health() async -> JSONValue { (try? await daemon.admin("GET", "/healthz").body) ?? .null }

        // The wrong secret: 403 from moto's signature check, the sink paused with the reason, no attempt spent.
        let paused = await eventually { await health()["sync"]?["bucket"]?["state"] == .string("paused") }
        var now = await health()
        #expect(paused, "\(now)\n\(daemon.logTail())")
        #expect(now["conditions"]?["syncPaused"]?.stringValue?.contains("sink bucket paused") == true, "\(now)")
        #expect(now["sync"]?["bucket"]?["pausedReason"]?.stringValue?.contains("403") == true, "\(now)")
        #expect(now["sync"]?["bucket"]?["attempts"]?.int64Value == 0)
        #expect(try await daemon.admin("GET", "/v1/tasks/\(uuid)").body["state"] == .string("completed"))

        // A new file naming an unreadable secret is refused with key, rule and value; the old credentials stay.
        let missing = daemon.directory + "/no-such-secret"
        try configuration(secretPath: missing).write(toFile: file, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        let refused = await eventually { daemon.logText().contains("configuration reload refused") }
        #expect(refused, "\(daemon.logTail())")
        #expect(daemon.logText().contains("sync.sink.bucket.secretAccessKeyFile: must name a readable file, got \(missing)"), "\(daemon.logTail())")
        now = await health()
        #expect(now["sync"]?["bucket"]?["state"] == .string("paused"), "\(now)")

        // The right secret in the file, the file as before, SIGHUP: the sink resumes and delivers.
        try (secret + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        try configuration(secretPath: secretFile).write(toFile: file, atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        let delivered = await eventually {
            let sync = await health()["sync"]?["bucket"]
            return sync?["delivered"]?.int64Value == 1 && sync?["backlog"]?.int64Value == 0 && sync?["state"] == .string("ok")
        }
        now = await health()
        #expect(delivered, "\(now)\n\(daemon.logTail())")
        #expect(now["conditions"]?["syncPaused"] == nil, "\(now)")
        #expect(daemon.logText().contains("sync.sink.*.credentials"), "\(daemon.logTail())")
        #expect(daemon.logText().contains("sync: sink resumed"))
        // Neither the secret nor the wrong one is ever logged.
        #expect(!daemon.logText().contains(secret) && !daemon.logText().contains(wrongSecret))
    }
}
