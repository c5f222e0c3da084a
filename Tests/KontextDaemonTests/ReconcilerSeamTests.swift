import Foundation
@testable import KontextDaemon
import KontextCore
import KontextNet
import KontextStore
import KontextTesting
import Logging
import Synchronization
import Testing

/// A `RunwareClient` whose answers the test scripts: no HTTP, no simulator.
final class ScriptedRunwareClient: RunwareClient {
    let configuration = DaemonConfiguration.Runware(apiURL: "https://runware.invalid/v1", apiKey: "k")
    private let answer: @Sendable ([String]) -> JSONValue
    let asked = Mutex<[[String]]>([])
    /// The HTTP status every answer carries (a 5xx answers no body Runware's way).
    let status = Mutex(200)

    init(answer: @escaping @Sendable ([String]) -> JSONValue) {
        self.answer = answer
    }

    func post(_ tasks: [JSONValue]) async throws(HTTPClientError) -> RunwareAPI.Answer {
        let uuids = tasks.compactMap { $0["taskUUID"]?.stringValue }
        asked.withLock { $0.append(uuids) }
        let status = self.status.withLock { $0 }
        guard status < 500 else { return RunwareAPI.Answer(status: status, envelope: nil, body: Array("busy".utf8), retryAfter: nil) }
        let body = JSONCoding.encode(answer(uuids))
        return RunwareAPI.Answer(status: status, envelope: try? RunwareEnvelope.parse(body), body: body, retryAfter: nil)
    }

    func getResponse(_ taskUUIDs: [String]) async throws(HTTPClientError) -> RunwareAPI.Answer {
        try await post(taskUUIDs.map { .object(["taskType": .string("getResponse"), "taskUUID": .string($0)]) })
    }
}

/// The reconciler through its seams: a scripted Runware client, the SQLite store as its
/// `ReconciliationStore`, and a manual clock deciding when a task is overdue.
@Suite struct ReconcilerSeamTests {
    static let taskUUID = "b1111111-2222-4333-8444-555555555555"
    static let imageUUID = "c1111111-2222-4333-8444-555555555555"

    /// A store in `directory` holding task `taskUUID` (one result wanted), submitted now.
    static func storeWithASubmittedTask(in directory: String, clock: ManualClock) async throws -> TaskStore {
        let store = try TaskStore(path: directory + "/k.sqlite3", configuration: StoreConfiguration(clock: { clock.wallNow }))
        _ = try await store.enqueue(NewTask(
            taskUUID: taskUUID, requestJSON: "{}", payloadJSON: "{}", numberResults: 1, outputFormat: .png,
            outputType: .url, expectedSize: nil))
        try await store.markSubmitted([taskUUID], at: clock.wallNow)
        return store
    }

    @Test func anOverdueTaskIsPolledAndItsLostResultRecordedAsARepair() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock(wall: 1_800_000_000)
            let store = try await Self.storeWithASubmittedTask(in: directory, clock: clock)
            let runware = ScriptedRunwareClient { uuids in
                .object(["data": .array(uuids.map { uuid in
                    .object([
                        "taskType": .string("imageInference"), "taskUUID": .string(uuid),
                        "imageUUID": .string(Self.imageUUID), "imageURL": .string("https://im.runware.ai/image/x.png"),
                        "seed": .integer(7), "status": .string("success"),
                    ])
                })])
            }
            let metrics = DaemonMetrics()
            let reconciler = Reconciler(
                store: store, api: runware, configuration: .init(overdueAfter: 120, interval: 15),
                ingestSignal: WorkSignal(clock: clock), health: DaemonHealth(), metrics: metrics, clock: clock,
                logger: Logger(label: "test"))

            // Not yet overdue: nobody is asked.
            #expect(try await reconciler.reconcileOnce() == 0)
            #expect(runware.asked.withLock { $0 }.isEmpty)

            clock.advance(by: .seconds(121))
            #expect(try await reconciler.reconcileOnce() == 1)
            #expect(runware.asked.withLock { $0 } == [[Self.taskUUID]])
            let result = try #require(try await store.result(imageUUID: Self.imageUUID))
            #expect(result.receivedVia == .poll)
            #expect(result.state == .pending)
            #expect(try await store.repairCount() == 1)
            #expect(String(decoding: metrics.render(), as: UTF8.self).contains("kontextd_reconciler_repairs_total 1"))
            await store.close()
        }
    }

    /// A failed poll raises `runwareUnavailable`; when the task it was about ends through its
    /// webhook, no poll follows, so the reconciler withdraws its report — never one that another
    /// part raised since.
    @Test func aFailedPollsReportIsWithdrawnOnceNoTaskWaitsOnRunware() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock(wall: 1_800_000_000)
            let store = try await Self.storeWithASubmittedTask(in: directory, clock: clock)
            let runware = ScriptedRunwareClient { _ in .object(["data": .array([])]) }
            runware.status.withLock { $0 = 503 }
            let health = DaemonHealth()
            let reconciler = Reconciler(
                store: store, api: runware, configuration: .init(overdueAfter: 120, interval: 15),
                ingestSignal: WorkSignal(clock: clock), health: health, metrics: DaemonMetrics(), clock: clock,
                logger: Logger(label: "test"))

            clock.advance(by: .seconds(121))
            #expect(try await reconciler.reconcileOnce() == 1)
            #expect(health.reason(.runwareUnavailable) == "getResponse answered 503")

            // Still submitted: the report stands while the task waits on Runware.
            #expect(try await reconciler.reconcileOnce() == 0)
            #expect(health.reason(.runwareUnavailable) == "getResponse answered 503")

            // The task's result arrives by webhook and the task fails as its image cannot be fetched:
            // nothing is submitted any more, and the next idle round withdraws the report.
            _ = try await store.recordDelivery(
                taskUUID: Self.taskUUID, source: .webhook, rawBody: Array("{}".utf8),
                results: [IncomingResult(
                    imageUUID: Self.imageUUID, taskUUID: Self.taskUUID, sourceKind: .url, sourceValue: "https://im.runware.ai/x.png",
                    seed: nil, nsfw: nil, cost: nil, rawJSON: "{}")],
                failures: [], at: clock.wallNow)
            #expect(try await store.markResultFailed(imageUUID: Self.imageUUID, reason: "gone", at: clock.wallNow).isFinal)
            #expect(try await reconciler.reconcileOnce() == 0)
            #expect(health.reason(.runwareUnavailable) == nil)

            // A report another part raised meanwhile is not the reconciler's to withdraw.
            health.raise(.runwareUnavailable, reason: "POST failed: connection refused")
            #expect(try await reconciler.reconcileOnce() == 0)
            #expect(health.reason(.runwareUnavailable) == "POST failed: connection refused")
            await store.close()
        }
    }
}
