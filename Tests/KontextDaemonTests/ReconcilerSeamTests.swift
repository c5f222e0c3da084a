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

    init(answer: @escaping @Sendable ([String]) -> JSONValue) {
        self.answer = answer
    }

    func post(_ tasks: [JSONValue]) async throws(HTTPClientError) -> RunwareAPI.Answer {
        let uuids = tasks.compactMap { $0["taskUUID"]?.stringValue }
        asked.withLock { $0.append(uuids) }
        let body = JSONCoding.encode(answer(uuids))
        return RunwareAPI.Answer(status: 200, envelope: try? RunwareEnvelope.parse(body), body: body, retryAfter: nil)
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

    @Test func anOverdueTaskIsPolledAndItsLostResultRecordedAsARepair() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock(wall: 1_800_000_000)
            let store = try TaskStore(path: directory + "/k.sqlite3", configuration: StoreConfiguration(clock: { clock.wallNow }))
            _ = try await store.enqueue(NewTask(
                taskUUID: Self.taskUUID, requestJSON: "{}", payloadJSON: "{}", numberResults: 1, outputFormat: .png,
                outputType: .url, expectedSize: nil))
            try await store.markSubmitted([Self.taskUUID], at: clock.wallNow)
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
}
