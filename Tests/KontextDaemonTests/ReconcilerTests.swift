import KontextCore
@testable import KontextDaemon
import KontextNet
import KontextStore
import KontextTesting
import Testing

/// The reconciler alone, on a clock the test sets: every task ends, every poll is recorded, and
/// one task whose polls keep failing cannot starve the others.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ReconcilerTests {
    final class Fixture: Sendable {
        let scratch: ScratchStore
        let reconciler: Reconciler
        let metrics = DaemonMetrics()
        /// Wall time starts at 0 so task times read as seconds since submission.
        let clock = ManualClock(wall: 0)
        var store: TaskStore { scratch.store }
        var runware: ScriptedRunware { scratch.runware }

        init(runware: ScriptedRunware, giveUpAfter: Double = 1200) throws {
            scratch = try ScratchStore(runware: runware, label: "reconciler")
            reconciler = Reconciler(
                store: scratch.store, api: RunwareAPI(client: scratch.client, configuration: scratch.runwareConfiguration()),
                configuration: .init(overdueAfter: 120, interval: 15, giveUpAfter: giveUpAfter), ingestSignal: WorkSignal(),
                health: DaemonHealth(), metrics: metrics, clock: clock, logger: ScratchStore.quietLogger("reconciler-test"))
        }

        /// One reconciler round with the wall clock at `time`.
        func reconcile(at time: Double) async throws -> Int {
            clock.jumpWallClock(by: time - clock.wallNow)
            return try await reconciler.reconcileOnce()
        }

        func submit(_ uuid: String, at time: Double, results: Int = 1, payload: String = "{}") async throws {
            try await scratch.enqueue(uuid, results: results, payload: payload)
            try await store.markSubmitted([uuid], at: time)
        }

        func task(_ uuid: String) async throws -> TaskDetail {
            try #require(try await store.task(uuid))
        }

        func close() async { await scratch.close() }
    }

    static func polledTask(_ tasks: [JSONValue]) -> String {
        tasks.first?["taskUUID"]?.stringValue ?? ""
    }

    @Test func aTaskWhosePollsFailDoesNotStarveTheOthers() async throws {
        // "bad" is the oldest submission; every poll about it answers 404 (or garbage).
        let runware = try await ScriptedRunware.start { _, tasks, _ in
            switch Self.polledTask(tasks) {
            case "bad": return HTTPResponse(status: 404)
            case "odd": return ScriptedRunware.json(200, .string("not an envelope"))
            default: return ScriptedRunware.json(200, .object(["data": .array([.object([
                "taskUUID": .string(Self.polledTask(tasks)), "status": .string("processing")])])]))
            }
        }
        let fixture = try Fixture(runware: runware)
        try await fixture.submit("bad", at: 0)
        try await fixture.submit("odd", at: 1)
        try await fixture.submit("good", at: 2)
        // One task per poll (maxTasksPerRequest 1): three rounds reach all three.
        for _ in 0..<3 { #expect(try await fixture.reconcile(at: 200) == 1) }
        #expect(try await fixture.reconcile(at: 200) == 0)
        #expect(runware.submissions.map { Self.polledTask($0) } == ["bad", "odd", "good"])
        let bad = try await fixture.task("bad").task
        #expect(bad.pollCount == 1)
        #expect(bad.lastPollOutcome == "404")
        #expect(bad.lastPollError?.contains("getResponse answered 404") == true)
        let odd = try await fixture.task("odd").task
        #expect(odd.lastPollError?.contains("unreadable body") == true)
        let good = try await fixture.task("good").task
        #expect(good.lastPollOutcome == "200: still running")
        #expect(good.lastPollError == nil)
        // Next interval: the least recently polled go first again, the failing one included once.
        #expect(try await fixture.reconcile(at: 216) == 1)
        #expect(runware.submissions.last.map { Self.polledTask($0) } == "bad")
        await fixture.close()
    }

    static let endings: [(code: String, status: Int)] = [
        ("taskFailedOrNotFound", 400), ("taskNotFound", 400), ("resourceNotFound", 200), ("inferenceError", 200),
        ("timeoutProvider", 200), ("processingFailed", 200),
    ]

    @Test(arguments: endings) func unknownAndFailedTasksEndInsteadOfCountingAsNoNews(_ ending: (code: String, status: Int)) async throws {
        let runware = try await ScriptedRunware.start { _, tasks, _ in
            ScriptedRunware.error(ending.status, code: ending.code, taskUUID: Self.polledTask(tasks))
        }
        let fixture = try Fixture(runware: runware)
        try await fixture.submit("t", at: 0)
        #expect(try await fixture.reconcile(at: 130) == 1)
        let detail = try await fixture.task("t")
        #expect(detail.task.state == .failed)
        #expect(detail.task.errorCode == ending.code)
        #expect(detail.task.lastPollOutcome == "\(ending.status): error \(ending.code)")
        await fixture.close()
    }

    @Test func aTaskMissingResultsEndsAtItsDeadlineWithWhatWasTried() async throws {
        let runware = try await ScriptedRunware.start { _, tasks, _ in
            ScriptedRunware.json(200, .object(["data": .array([.object([
                "taskUUID": .string(Self.polledTask(tasks)), "status": .string("processing")])])]))
        }
        let fixture = try Fixture(runware: runware)
        try await fixture.submit("silent", at: 0)
        try await fixture.submit("partial", at: 0, results: 2)
        try await fixture.submit("long", at: 0, payload: #"{"ttl":3600}"#)
        _ = try await fixture.store.recordDelivery(
            taskUUID: "partial", source: .webhook, rawBody: [1],
            results: [IncomingResult(imageUUID: "i1", taskUUID: "partial", sourceKind: .url, sourceValue: "https://im.runware.ai/i1.jpg", seed: 1, nsfw: nil, cost: nil, rawJSON: "{}")],
            failures: [], at: 10)
        try await fixture.store.markResultStored(
            imageUUID: "i1", image: StoredImage(format: .jpg, width: 1, height: 1, byteSize: 1, sha256: String(repeating: "a", count: 64), path: "/x"), at: 11)
        // Polled while there is time.
        while try await fixture.reconcile(at: 300) > 0 {}
        #expect(try await fixture.task("silent").task.state == .submitted)
        // A second before the deadline nothing ends; at it, both ordinary tasks do.
        #expect(try await fixture.store.stateCounts()[.failed] == 0)
        _ = try await fixture.reconcile(at: 1199)
        #expect(try await fixture.store.stateCounts()[.failed] == 0)
        _ = try await fixture.reconcile(at: 1200)
        let silent = try await fixture.task("silent").task
        #expect(silent.state == .failed)
        #expect(silent.errorCode == "deadlineExceeded")
        #expect(silent.errorMessage?.contains("1 of 1 results never arrived within 1200 s") == true)
        #expect(silent.errorMessage?.contains("getResponse poll") == true)
        let partial = try await fixture.task("partial")
        #expect(partial.task.state == .failed)
        #expect(partial.task.errorCode == "deadlineExceededPartial")
        #expect(partial.results.map(\.state) == [.stored])
        // ttl 3600 pushes this task's deadline out to an hour.
        #expect(try await fixture.task("long").task.state == .submitted)
        _ = try await fixture.reconcile(at: 3600)
        #expect(try await fixture.task("long").task.state == .failed)
        await fixture.close()
    }

    @Test func unrecognisedItemsOfAPollAreKeptOnTheTaskAndResultsBesideThemStored() async throws {
        let runware = try await ScriptedRunware.start { _, tasks, _ in
            let uuid = Self.polledTask(tasks)
            return ScriptedRunware.json(200, .object(["data": .array([
                ScriptedRunware.result(taskUUID: uuid, imageUUID: "i1", url: "https://im.runware.ai/i1.jpg", status: "success"),
                .object(["taskUUID": .string(uuid), "imageUUID": .string("i2"), "imageURL": .integer(7)]),
            ])]))
        }
        let fixture = try Fixture(runware: runware)
        try await fixture.submit("t", at: 0, results: 2)
        #expect(try await fixture.reconcile(at: 130) == 1)
        let detail = try await fixture.task("t")
        #expect(detail.results.map(\.imageUUID) == ["i1"])
        #expect(detail.unrecognised.count == 1)
        #expect(detail.unrecognised.first?.reason.contains("imageURL") == true)
        #expect(detail.unrecognised.first?.source == .poll)
        #expect(String(decoding: fixture.metrics.render(), as: UTF8.self).contains(#"kontextd_runware_unrecognised_items_total{source="poll"} 1"#))
        await fixture.close()
    }
}
