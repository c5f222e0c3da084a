import KontextCore
@testable import KontextDaemon
import KontextNet
import KontextStore
import KontextTesting
import Testing

/// Batching (`runware.maxTasksPerRequest` > 1) stays safe when Runware's answer cannot be
/// attributed per task, and `conflictTaskUUID` is read by the send's origin.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SubmissionBatchTests {
    final class Fixture: Sendable {
        let scratch: ScratchStore
        let worker: SubmissionWorker
        let clock = ManualClock(wall: 1000)
        var store: TaskStore { scratch.store }
        var runware: ScriptedRunware { scratch.runware }

        init(runware: ScriptedRunware, batch: Int) throws {
            scratch = try ScratchStore(runware: runware, label: "batch")
            worker = SubmissionWorker(
                store: scratch.store,
                api: RunwareAPI(client: scratch.client, configuration: scratch.runwareConfiguration(maxTasksPerRequest: batch)),
                webhookBaseURL: "http://127.0.0.1:1", token: WebhookToken(key: Array("batch-test-secret-0123456789".utf8)),
                signal: WorkSignal(), ingestSignal: WorkSignal(), health: DaemonHealth(), metrics: DaemonMetrics(),
                pollInterval: 1,
                // No budget configured: the gate admits every queued task.
                spendGate: SpendGate(
                    store: scratch.store, live: LiveConfiguration(DaemonConfiguration(stateDirectory: scratch.directory)),
                    clock: clock, logger: ScratchStore.quietLogger("batch-test")),
                clock: clock, logger: ScratchStore.quietLogger("batch-test"))
        }

        func enqueue(_ uuids: [String]) async throws {
            for uuid in uuids { try await scratch.enqueue(uuid, payload: "{\"taskType\":\"imageInference\"}") }
        }

        func state(_ uuid: String) async throws -> TaskRecord {
            try #require(try await store.task(uuid)).task
        }

        func close() async { await scratch.close() }
    }

    static func uuids(_ tasks: [JSONValue]) -> [String] {
        tasks.compactMap { $0["taskUUID"]?.stringValue }
    }

    @Test func anErrorNamingNoTaskInABatchAnswerMakesItsTasksGoOneByOne() async throws {
        let runware = try await ScriptedRunware.start { _, tasks, _ in
            // A batch gets an error Runware did not tie to a task; single tasks are accepted.
            tasks.count > 1 ? ScriptedRunware.error(400, code: "invalidRequestBody", taskUUID: nil) : ScriptedRunware.acknowledge(tasks)
        }
        let fixture = try Fixture(runware: runware, batch: 3)
        try await fixture.enqueue(["a", "b", "c"])
        #expect(try await fixture.worker.round(singly: false) == .splitBatch)
        for uuid in ["a", "b", "c"] { #expect(try await fixture.state(uuid).state == .queued) }
        for _ in 0..<3 { #expect(try await fixture.worker.round(singly: true) == .done) }
        for uuid in ["a", "b", "c"] { #expect(try await fixture.state(uuid).state == .submitted) }
        #expect(runware.submissions.map { Self.uuids($0) } == [["a", "b", "c"], ["a"], ["b"], ["c"]])
        await fixture.close()
    }

    @Test func aBatchAnswerSilentAboutATaskMakesItUncertainNotAccepted() async throws {
        let runware = try await ScriptedRunware.start { _, tasks, _ in
            if tasks.first?["taskType"] == .string("getResponse") {
                // Runware never got "c": the resend is safe.
                return ScriptedRunware.error(400, code: "taskNotFound", taskUUID: "c")
            }
            // Acknowledges every task but the last.
            return ScriptedRunware.acknowledge(tasks.count > 1 ? Array(tasks.dropLast()) : tasks)
        }
        let fixture = try Fixture(runware: runware, batch: 3)
        try await fixture.enqueue(["a", "b", "c"])
        #expect(try await fixture.worker.round(singly: false) == .done)
        #expect(try await fixture.state("a").state == .submitted)
        #expect(try await fixture.state("b").state == .submitted)
        let silent = try await fixture.state("c")
        #expect(silent.state == .queued)
        #expect(silent.submissionUncertain)
        // Asked about before any resend, then sent alone.
        #expect(try await fixture.worker.round(singly: false) == .done)
        #expect(try await fixture.state("c").submissionUncertain == false)
        #expect(try await fixture.worker.round(singly: false) == .done)
        #expect(try await fixture.state("c").state == .submitted)
        #expect(runware.submissions.map { Self.uuids($0) } == [["a", "b", "c"], ["c"], ["c"]])
        #expect(runware.submissions[1].first?["taskType"] == .string("getResponse"))
        await fixture.close()
    }

    @Test func conflictTaskUUIDIsReadByTheSendsOrigin() async throws {
        let runware = try await ScriptedRunware.start { _, tasks, _ in
            ScriptedRunware.json(400, .object(["errors": .array(Self.uuids(tasks).map { uuid in
                .object(["code": .string("conflictTaskUUID"), "message": .string("taken"), "taskUUID": .string(uuid)])
            })]))
        }
        let fixture = try Fixture(runware: runware, batch: 2)
        try await fixture.enqueue(["fresh", "resent"])
        // "resent" went out before and its answer was lost.
        try await fixture.store.recordSends(["resent"])
        _ = try await fixture.store.recordSubmitFailure(["resent"], uncertain: false, at: 900)
        #expect(try await fixture.worker.round(singly: false) == .done)
        let fresh = try await fixture.state("fresh")
        #expect(fresh.state == .rejected)
        #expect(fresh.errorCode == "taskUUIDTaken")
        #expect(try await fixture.state("resent").state == .submitted)
        await fixture.close()
    }
}
