import KontextTesting
import KontextCore
import KontextCrypto
import KontextNet
import Testing

@testable import RunwareSimulator

/// Download and URL faults over real sockets, each at rate 1, checked with the project's
/// structural `ImageVerifier` and the SHA-256 the simulator records.
@Suite("Faults: downloads and URLs")
struct FaultDownloadTests {
    /// Submits one synchronous task and returns its result and generated-image record.
    static func generate(
        _ session: SimulatorSession, format: OutputFormat = .png
    ) async throws -> (uuid: String, result: JSONValue, image: GeneratedImage) {
        let uuid = TaskFixture.uuid()
        let reply = try await session.post([TaskFixture.task(uuid: uuid, extra: [
            "outputFormat": .string(format.rawValue), "width": .integer(832), "height": .integer(1248),
        ])])
        let result = try #require(reply.body.dataItems.first)
        let image = try #require(session.simulator.generatedImages().first { $0.taskUUID == uuid })
        return (uuid, result, image)
    }

    static func verifies(_ bytes: [UInt8], as image: GeneratedImage) -> Bool {
        (try? ImageVerifier.verify(bytes, expectedFormat: image.format, expectedSize: image.size).get()) != nil
    }

    @Test("no faults: every download verifies and hashes to the recorded sha256", arguments: OutputFormat.allCases)
    func healthy(format: OutputFormat) async throws {
        let session = try await SimulatorSession.start()
        let (_, result, image) = try await Self.generate(session, format: format)
        let url = try #require(result["imageURL"]?.stringValue)
        for _ in 0..<3 {
            let response = try await session.get(url)
            #expect(response.status == 200)
            #expect(Self.verifies(response.body, as: image))
            #expect(SHA256Digest.hexHash(response.body) == image.sha256)
        }
        #expect(session.simulator.faultCounts().values.allSatisfy { $0 == 0 })
        await session.stop()
    }

    @Test("corrupt downloads: full length, status 200, but verification fails; the recorded sha stays the good one",
        arguments: OutputFormat.allCases)
    func corrupt(format: OutputFormat) async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(corruptDownloadRate: 1))
        let (_, result, image) = try await Self.generate(session, format: format)
        #expect(!image.corrupted)
        let url = try #require(result["imageURL"]?.stringValue)
        let good = try #require(session.simulator.generatedImages().first).sha256
        for _ in 0..<3 {
            let response = try await session.get(url)
            #expect(response.status == 200)
            #expect(!Self.verifies(response.body, as: image))
            #expect(SHA256Digest.hexHash(response.body) != image.sha256)
        }
        #expect(image.sha256 == good)
        #expect(session.simulator.faultCounts()[FaultKind.corruptedDownload.rawValue] == 3)
        await session.stop()
    }

    @Test("at rate 0.5 a retry eventually gets the good bytes, which hash to the recorded sha256")
    func retryGetsGoodBytes() async throws {
        let session = try await SimulatorSession.start(
            faults: FaultPlan(seed: 5, corruptDownloadRate: 0.5, truncateDownloadRate: 0.3))
        let (_, result, image) = try await Self.generate(session, format: .jpg)
        let url = try #require(result["imageURL"]?.stringValue)
        var verified: [UInt8]?
        var failures = 0
        for _ in 0..<40 where verified == nil {
            do {
                let response = try await session.get(url)
                if Self.verifies(response.body, as: image) { verified = response.body } else { failures += 1 }
            } catch {
                failures += 1
            }
        }
        let bytes = try #require(verified)
        #expect(SHA256Digest.hexHash(bytes) == image.sha256)
        let counts = session.simulator.faultCounts()
        #expect(failures == counts[FaultKind.corruptedDownload.rawValue]! + counts[FaultKind.truncatedDownload.rawValue]!)
        await session.stop()
    }

    @Test("truncated downloads: the transfer fails, or the short body fails verification", arguments: OutputFormat.allCases)
    func truncated(format: OutputFormat) async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(seed: 3, truncateDownloadRate: 1))
        let (_, result, image) = try await Self.generate(session, format: format)
        let url = try #require(result["imageURL"]?.stringValue)
        var transferFailures = 0
        var shortBodies = 0
        for _ in 0..<8 {
            do {
                let response = try await session.get(url)
                #expect(response.status == 200)
                #expect(!Self.verifies(response.body, as: image))
                shortBodies += 1
            } catch {
                #expect(error.kind == .receiveFailed)
                transferFailures += 1
            }
        }
        #expect(transferFailures + shortBodies == 8)
        #expect(transferFailures > 0)
        #expect(shortBodies > 0)
        #expect(session.simulator.faultCounts()[FaultKind.truncatedDownload.rawValue] == 8)
        await session.stop()
    }

    @Test("stalled downloads: the client times out; stopping the simulator ends the stall")
    func stalled() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(stallDownloadRate: 1, stallSeconds: 60))
        let (_, result, _) = try await Self.generate(session)
        let url = try #require(result["imageURL"]?.stringValue)
        do {
            let response = try await session.get(url, timeout: 1)
            Issue.record("a stalled download completed with status \(response.status)")
        } catch {
            #expect(error.kind == .timeout)
        }
        #expect(session.simulator.faultCounts()[FaultKind.stalledDownload.rawValue] == 1)
        await session.stop()
    }

    @Test("expired URL: the result's URL answers 404; getResponse gives a fresh URL serving the good bytes")
    func expiredFromStart() async throws {
        let session = try await SimulatorSession.start(faults: FaultPlan(expireImageURLRate: 1))
        let (uuid, result, image) = try await Self.generate(session, format: .webp)
        let original = try #require(result["imageURL"]?.stringValue)
        #expect(try await session.get(original).status == 404)

        let polled = try #require(try await session.awaitResults(uuid).first)
        let fresh = try #require(polled["imageURL"]?.stringValue)
        #expect(fresh != original)
        #expect(polled["imageUUID"] == .string(image.imageUUID))
        let download = try await session.get(fresh)
        #expect(download.status == 200)
        #expect(SHA256Digest.hexHash(download.body) == image.sha256)
        #expect(Self.verifies(download.body, as: image))

        // The old URL stays dead; a live fresh URL is handed out again rather than replaced.
        #expect(try await session.get(original).status == 404)
        #expect(try await session.awaitResults(uuid).first?["imageURL"] == .string(fresh))
        let counts = session.simulator.faultCounts()
        #expect(counts[FaultKind.expiredImageURL.rawValue] == 1)
        #expect(counts[FaultKind.freshImageURLIssued.rawValue] == 1)
        #expect(counts[FaultKind.expiredURLRequested.rawValue] == 2)
        await session.stop()
    }

    @Test("URL lifetime: a URL works, answers 404 once its lifetime is over, and getResponse re-issues one that works")
    func lifetime() async throws {
        // The lifetime is the plan's at request time; swapping plans keeps the test free of races.
        let long = FaultPlan(imageURLLifetime: 600)
        let session = try await SimulatorSession.start(faults: long)
        let (uuid, result, image) = try await Self.generate(session)
        let original = try #require(result["imageURL"]?.stringValue)
        #expect(try await session.get(original).status == 200)
        #expect(try await session.awaitResults(uuid).first?["imageURL"] == .string(original))

        session.simulator.replaceFaults(FaultPlan(imageURLLifetime: 0.2))
        #expect(session.simulator.faults.imageURLLifetime == 0.2)
        #expect(try await eventually { try await session.get(original).status == 404 })
        let fresh = try #require(try await session.awaitResults(uuid).first?["imageURL"]?.stringValue)
        #expect(fresh != original)
        #expect(session.simulator.faultCounts()[FaultKind.freshImageURLIssued.rawValue] == 1)

        session.simulator.replaceFaults(long)
        let download = try await session.get(fresh)
        #expect(download.status == 200)
        #expect(SHA256Digest.hexHash(download.body) == image.sha256)
        await session.stop()
    }
}
