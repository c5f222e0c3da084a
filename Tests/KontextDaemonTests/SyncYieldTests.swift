import Foundation
import KontextCore
@testable import KontextDaemon
import KontextStore
import KontextTesting
import Logging
import Synchronization
import Testing

/// A sink that holds every delivery until the test lets one go, and counts how many it held at once.
final class GateSink: DownstreamSink {
    let name = "gate"
    private struct State {
        var held: [CheckedContinuation<Void, Never>] = []
        var inFlight = 0
        var maxInFlight = 0
        var delivered = 0
    }

    private let state = Mutex(State())

    func deliver(_ delivery: SinkDelivery) async throws(SinkFailure) {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                state.held.append(continuation)
                state.inFlight += 1
                state.maxInFlight = max(state.maxInFlight, state.inFlight)
            }
        }
    }

    /// Lets every held delivery go; returns how many.
    @discardableResult
    func releaseAll() -> Int {
        let held = state.withLock { state in
            defer {
                state.delivered += state.held.count
                state.inFlight -= state.held.count
                state.held.removeAll()
            }
            return state.held
        }
        for continuation in held { continuation.resume() }
        return held.count
    }

    var inFlight: Int { state.withLock { $0.inFlight } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    var delivered: Int { state.withLock { $0.delivered } }
}

/// The sync service's loop against a sink that counts its deliveries in flight, with the store
/// writer's busy fraction scripted: sinks step back to one delivery at a time while the writer is
/// busy (`ForegroundYield`).
@Suite struct SyncYieldTests {
    static let images = 12

    /// A store with `images` stored images, each an `image.stored` event for sink "gate".
    static func storeWithImages(in directory: String) async throws -> TaskStore {
        let store = try TaskStore(
            path: directory + "/k.sqlite3",
            configuration: StoreConfiguration(sinks: [SinkSubscription(name: "gate", events: [.imageStored])]))
        for index in 0..<images {
            let task = UUID().uuidString.lowercased()
            let image = UUID().uuidString.lowercased()
            _ = try await store.enqueue(NewTask(
                taskUUID: task, requestJSON: "{}", payloadJSON: "{}", numberResults: 1, outputFormat: .png, outputType: .url,
                expectedSize: nil))
            let result = IncomingResult(
                imageUUID: image, taskUUID: task, sourceKind: .url, sourceValue: "https://im.runware.ai/image/\(image).png",
                seed: 42, nsfw: false, cost: 0.0025, rawJSON: #"{"imageUUID":"\#(image)"}"#)
            _ = try await store.recordDelivery(
                taskUUID: task, source: .webhook, rawBody: Array(result.rawJSON.utf8), results: [result], failures: [],
                unrecognised: [], at: 1_800_000_000)
            let sha = String(repeating: String(index % 10), count: 64)
            _ = try await store.markResultStored(
                imageUUID: image,
                image: StoredImage(format: .png, width: 8, height: 8, byteSize: 10, sha256: sha, path: "/images/\(sha).png"),
                at: 1_800_000_000)
        }
        return store
    }

    /// Runs the sync service over the store with the writer's busy fraction fixed at `writerBusy`,
    /// letting deliveries go in rounds once `heldPerRound` are held (fewer in the last); returns
    /// the most the sink held at once.
    func maxInFlight(writerBusy: Double, heldPerRound: Int) async throws -> (maxInFlight: Int, metrics: String) {
        try await withTemporaryDirectory { directory in
            let store = try await Self.storeWithImages(in: directory)
            let sink = GateSink()
            var logger = Logger(label: "sync-yield")
            logger.logLevel = .critical
            let metrics = DaemonMetrics()
            let service = try SyncService(
                store: store,
                configuration: SyncConfiguration(sinks: [
                    SinkConfiguration(
                        name: "gate", concurrency: 4,
                        kind: .directory(DirectorySinkSettings(
                            path: directory + "/unused", keyTemplate: try ObjectKeyTemplate(ObjectKeyTemplate.defaultTemplate))))
                ]),
                retainLocalDays: nil, health: DaemonHealth(), metrics: metrics, logger: logger,
                clock: { 1_800_000_100 }, writerBusy: { _ in writerBusy }, sinkOverrides: ["gate": sink])
            let running = Task { try await service.run() }
            while sink.delivered < Self.images {
                let expected = min(heldPerRound, Self.images - sink.delivered)
                #expect(await eventually { sink.inFlight >= expected }, "\(expected) deliveries held")
                sink.releaseAll()
            }
            #expect(try await eventually { try await store.outboxStatistics(sinks: ["gate"])["gate"]?.pending == 0 })
            running.cancel()
            _ = try? await running.value
            await store.close()
            return (sink.maxInFlight, String(decoding: metrics.render(), as: UTF8.self))
        }
    }

    @Test func withTheWriterIdleASinkRunsItsConfiguredConcurrency() async throws {
        // Waiting for four held at once proves four run together: one at a time would never get there.
        let run = try await maxInFlight(writerBusy: 0, heldPerRound: 4)
        #expect(run.maxInFlight == 4)
        #expect(run.metrics.contains(#"kontextd_sync_yielding{sink="gate"} 0.0"#))
    }

    @Test func whileTheWriterIsBusyASinkRunsOneDeliveryAtATime() async throws {
        // Released one by one: with its full concurrency the sink would hold up to four meanwhile.
        let run = try await maxInFlight(writerBusy: 0.9, heldPerRound: 1)
        #expect(run.maxInFlight == 1)
        #expect(run.metrics.contains(#"kontextd_sync_yielding{sink="gate"} 1.0"#))
    }
}
