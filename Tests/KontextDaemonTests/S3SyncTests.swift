import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import KontextNet
import Testing

/// The S3 sink against moto's standalone S3 server with signature checking on, every object
/// read back by an independent client (boto3).
@Suite(.serialized) struct S3SyncTests {
    /// moto's server and the credentials its unauthenticated set-up requests created.
    struct Moto {
        let process: PythonProcess
        let endpoint: String
        let accessKeyID: String
        let secretAccessKey: String
        let bucket: String

        static func start() throws -> Moto {
            let process = try PythonProcess("moto_s3.py", ["kontextd-images"])
            let description = try JSONCoding.parse(process.firstLine)
            return Moto(
                process: process, endpoint: try #require(description["endpoint"]?.stringValue),
                accessKeyID: try #require(description["accessKeyId"]?.stringValue),
                secretAccessKey: try #require(description["secretAccessKey"]?.stringValue),
                bucket: try #require(description["bucket"]?.stringValue))
        }

        func sink(name: String = "bucket", secretAccessKey: String? = nil, prefix: String = "kontext/") -> SinkConfiguration {
            SinkConfiguration(
                name: name,
                kind: .s3(S3SinkSettings(
                    endpoint: endpoint, region: "us-east-1", bucket: bucket, prefix: prefix,
                    keyTemplate: try! ObjectKeyTemplate(ObjectKeyTemplate.defaultTemplate), pathStyle: true,
                    accessKeyID: accessKeyID, secretAccessKey: secretAccessKey ?? self.secretAccessKey)))
        }

        /// Every object in the bucket, read back with boto3.
        func objects() throws -> [JSONValue] {
            let output = try PythonProcess.run("s3_read_back.py", [endpoint, accessKeyID, secretAccessKey, bucket])
            return try JSONCoding.parse(output)["objects"]?.arrayValue ?? []
        }
    }

    @Test(.enabled(if: TestVenv.enabled)) func everyStoredImageIsUploadedOnceSignedVerifiedAndWithItsMetadata() async throws {
        let moto = try Moto.start()
        defer { moto.process.stop() }
        let sink = moto.sink()
        let harness = try await DaemonHarness.start { configuration in
            SyncTests.fastRetries(&configuration)
            configuration.sync.sinks = [sink]
        }
        let first = try await SyncTests.completedTask(harness, results: 2, format: "png")
        let second = try await SyncTests.completedTask(harness, format: "webp")
        _ = try await SyncTests.waitForSync(harness, SyncTests.drained(["bucket"], delivered: 3))

        let objects = try moto.objects()
        let results = (first["results"]?.arrayValue ?? []) + (second["results"]?.arrayValue ?? [])
        #expect(objects.count == 2 * results.count, "\(objects)")
        let taskOf = Dictionary(uniqueKeysWithValues: [first, second].flatMap { task in
            (task["results"]?.arrayValue ?? []).compactMap { result in
                result["imageUUID"]?.stringValue.map { ($0, task["taskUUID"]?.stringValue ?? "") }
            }
        })
        for result in results {
            let imageUUID = try #require(result["imageUUID"]?.stringValue)
            let taskUUID = try #require(taskOf[imageUUID])
            let sha = try #require(result["sha256"]?.stringValue)
            let format = try #require(result["format"]?.stringValue.flatMap(OutputFormat.init(rawValue:)))
            let day = UTCTime.iso8601(try #require(result["storedAt"]?.doubleValue)).prefix(10).replacingOccurrences(of: "-", with: "/")
            let key = "kontext/\(day)/\(taskUUID)/\(imageUUID).\(format.fileExtension)"
            let object = try #require(objects.first { $0["key"] == .string(key) }, "no object \(key) in \(objects)")
            // The bytes boto3 reads back are the stored image's, and S3 verified the checksum we sent.
            #expect(object["sha256"] == .string(sha))
            let localPath = try #require(result["path"]?.stringValue)
            let local = try #require(FileManager.default.contents(atPath: localPath))
            #expect(object["checksumSHA256"] == .string(Data(SHA256Digest.hash(Array(local))).base64EncodedString()))
            #expect(object["contentType"] == .string(format.mimeType))
            #expect(object["metadata"]?["sha256"] == .string(sha))
            #expect(object["metadata"]?["image-uuid"] == .string(imageUUID))
            #expect(object["metadata"]?["task-uuid"] == .string(taskUUID))
            #expect(object["metadata"]?["seed"]?.stringValue == result["seed"]?.uint64Value.map { String($0) })
            let sidecar = try #require(objects.first { $0["key"] == .string(key + ".json") })
            #expect(sidecar["contentType"] == .string("application/json"))
        }

        // A backfill delivers every image again: the HEAD finds each one identical, nothing new appears.
        let (status, backfill) = try await harness.admin("POST", "/v1/sync/backfill?sink=bucket", json: .object([:]))
        #expect(status == 200)
        #expect(backfill["enqueued"]?.int64Value == 0)
        #expect(try moto.objects().count == objects.count)
        await harness.stop()
    }

    @Test(.enabled(if: TestVenv.enabled)) func aWrongSecretKeyIs403AndPausesTheSinkWithoutSpendingAttempts() async throws {
        let moto = try Moto.start()
        defer { moto.process.stop() }
        let wrong = String(moto.secretAccessKey.reversed())
        let sink = moto.sink(secretAccessKey: wrong)
        let harness = try await DaemonHarness.start { configuration in
            SyncTests.fastRetries(&configuration)
            configuration.sync.maxAttempts = 2
            configuration.sync.sinks = [sink]
        }
        _ = try await SyncTests.completedTask(harness)
        // Paused with S3's reason; the delivery waits with no attempt spent and never dead-letters.
        let sinks = try await SyncTests.waitForSync(harness) { $0["bucket"]?["state"] == .string("paused") }
        let bucket = try #require(sinks["bucket"])
        #expect(bucket["state"] == .string("paused"), "\(sinks)")
        #expect(bucket["pausedReason"]?.stringValue?.contains("403") == true, "\(bucket)")
        #expect(bucket["backlog"]?.int64Value == 1)
        #expect(bucket["attempts"]?.int64Value == 0)
        #expect(bucket["deadLetters"]?.int64Value == 0)
        let (healthStatus, health) = try await harness.admin("GET", "/healthz")
        #expect(healthStatus == 503)
        #expect(health["conditions"]?["syncPaused"]?.stringValue?.contains("sink bucket paused") == true, "\(health)")
        #expect(try moto.objects().isEmpty)
        await harness.stop()
    }
}
