import KontextTesting
import Foundation
import KontextCore
import KontextStore
import Testing

/// The store's recovery bookkeeping, on a real SQLite file.
@Suite struct RecoveryStoreTests {
    func makeStore() throws -> (TaskStore, String) {
        let directory = try makeTemporaryDirectory(prefix: "kontextd-recovery")
        return (try TaskStore(path: directory + "/store.sqlite3"), directory)
    }

    func newTask(_ uuid: String, results: Int = 1) -> NewTask {
        NewTask(
            taskUUID: uuid, requestJSON: "{\"positivePrompt\":\"\(uuid)\"}", payloadJSON: "{}", numberResults: results,
            outputFormat: .jpg, outputType: .url, expectedSize: nil)
    }

    func result(_ imageUUID: String, task: String) -> IncomingResult {
        IncomingResult(
            imageUUID: imageUUID, taskUUID: task, sourceKind: .url, sourceValue: "https://im.runware.ai/\(imageUUID).jpg",
            seed: 1, nsfw: nil, cost: nil, rawJSON: "{}")
    }

    @Test func submitFailuresCountAndUncertainSendsAreListedUntilSettled() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await store.enqueue(newTask("a"))
        _ = try await store.enqueue(newTask("b"))
        #expect(try await store.recordSubmitFailure(["a", "b"], uncertain: false, at: 1) == ["a": 1, "b": 1])
        #expect(try await store.uncertainTasks(limit: 10).isEmpty)
        #expect(try await store.recordSubmitFailure(["a"], uncertain: true, at: 2) == ["a": 2])
        #expect(try await store.uncertainTasks(limit: 10).map(\.taskUUID) == ["a"])
        // A certain failure afterwards does not clear the uncertainty: only an answer does.
        _ = try await store.recordSubmitFailure(["a"], uncertain: false, at: 3)
        #expect(try await store.uncertainTasks(limit: 10).first?.submissionUncertain == true)
        try await store.clearSubmissionUncertain("a")
        #expect(try await store.uncertainTasks(limit: 10).isEmpty)
        _ = try await store.recordSubmitFailure(["b"], uncertain: true, at: 4)
        try await store.markSubmitted(["b"], at: 5)
        #expect(try await store.uncertainTasks(limit: 10).isEmpty)
        #expect(try await store.task("a")?.task.submitFailures == 3)
        await #expect(throws: StoreError.self) { try await store.recordSubmitFailure(["missing"], uncertain: false, at: 6) }
        await store.close()
    }

    @Test func failTaskKeepsTheReasonAndLeavesFinalTasksAlone() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await store.enqueue(newTask("a"))
        #expect(try await store.failTask("a", code: "submissionGaveUp", message: "tried 20 times", at: 1) == .failed)
        let detail = try #require(try await store.task("a"))
        #expect(detail.task.errorCode == "submissionGaveUp")
        #expect(detail.errors.map(\.code) == ["submissionGaveUp"])
        _ = try await store.enqueue(newTask("b"))
        try await store.markSubmitted(["b"], at: 1)
        _ = try await store.recordDelivery(taskUUID: "b", source: .webhook, rawBody: [], results: [result("i1", task: "b")], failures: [], at: 2)
        try await store.markResultStored(imageUUID: "i1", image: StoredImage(format: .jpg, width: 1, height: 1, byteSize: 1, sha256: String(repeating: "a", count: 64), path: "/x"), at: 3)
        #expect(try await store.failTask("b", code: "late", message: "late", at: 4) == .completed)
        await store.close()
    }

    @Test func overdueTasksAreThoseSubmittedLongAgoAndNotPolledRecently() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for uuid in ["old", "new", "queued"] { _ = try await store.enqueue(newTask(uuid)) }
        try await store.markSubmitted(["old"], at: 100)
        try await store.markSubmitted(["new"], at: 190)
        #expect(try await store.overdueTasks(submittedBefore: 150, polledBefore: 200, limit: 10).map(\.taskUUID) == ["old"])
        try await store.recordPolls([PollRecord(taskUUID: "old", outcome: "200: still running")], at: 180)
        #expect(try await store.overdueTasks(submittedBefore: 150, polledBefore: 170, limit: 10).isEmpty)
        #expect(try await store.overdueTasks(submittedBefore: 150, polledBefore: 190, limit: 10).map(\.taskUUID) == ["old"])
        #expect(try await store.task("old")?.task.lastPolledAt == 180)
        await store.close()
    }

    @Test func overdueTasksComeLeastRecentlyPolledFirstWhateverThePollFound() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for uuid in ["a", "b", "c"] { _ = try await store.enqueue(newTask(uuid)) }
        try await store.markSubmitted(["a"], at: 10)
        try await store.markSubmitted(["b"], at: 20)
        try await store.markSubmitted(["c"], at: 30)
        // "a", the oldest, keeps failing: each failed poll still sends it to the back.
        try await store.recordPolls([PollRecord(taskUUID: "a", outcome: "404", error: "getResponse answered 404")], at: 100)
        #expect(try await store.overdueTasks(submittedBefore: 200, polledBefore: 200, limit: 2).map(\.taskUUID) == ["b", "c"])
        try await store.recordPolls([PollRecord(taskUUID: "b", outcome: "200: no news"), PollRecord(taskUUID: "c", outcome: "200: no news")], at: 110)
        #expect(try await store.overdueTasks(submittedBefore: 200, polledBefore: 200, limit: 3).map(\.taskUUID) == ["a", "b", "c"])
        let polled = try #require(try await store.task("a")?.task)
        #expect(polled.pollCount == 1)
        #expect(polled.lastPollOutcome == "404")
        #expect(polled.lastPollError == "getResponse answered 404")
        await store.close()
    }

    @Test func deadlineCandidatesCarryTheirResultCounts() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await store.enqueue(newTask("a", results: 3))
        _ = try await store.enqueue(newTask("late"))
        try await store.markSubmitted(["a"], at: 10)
        try await store.markSubmitted(["late"], at: 500)
        _ = try await store.recordDelivery(taskUUID: "a", source: .webhook, rawBody: [1], results: [result("i1", task: "a"), result("i2", task: "a")], failures: [], at: 20)
        try await store.markResultStored(imageUUID: "i1", image: StoredImage(format: .jpg, width: 1, height: 1, byteSize: 1, sha256: String(repeating: "a", count: 64), path: "/x"), at: 30)
        let candidates = try await store.submittedTasksWithCounts(submittedBefore: 100, limit: 10)
        #expect(candidates.map(\.task.taskUUID) == ["a"])
        #expect(candidates.first?.announced == 2)
        #expect(candidates.first?.stored == 1)
        await store.close()
    }

    @Test func aTaskEndedAtItsDeadlineStillTakesItsLateResultsAndNoOtherFailedTaskDoes() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for uuid in ["late", "broken"] {
            _ = try await store.enqueue(newTask(uuid, results: 2))
            try await store.markSubmitted([uuid], at: 1)
        }
        try await store.failTask("late", code: "deadlineExceeded", message: "2 of 2 results never arrived", at: 1201)
        try await store.failTask("broken", code: "inferenceError", message: "GPU fell over", at: 5)
        let late = try await store.recordDelivery(
            taskUUID: "late", source: .webhook, rawBody: [1], results: [result("l1", task: "late"), result("l2", task: "late")],
            failures: [], at: 1300)
        #expect(late.newResults == ["l1", "l2"])
        #expect(late.state == .failed)
        let extra = try await store.recordDelivery(
            taskUUID: "late", source: .webhook, rawBody: [2], results: [result("l3", task: "late")], failures: [], at: 1301)
        #expect(extra.refusedResults == ["l3"])
        let refused = try await store.recordDelivery(
            taskUUID: "broken", source: .webhook, rawBody: [3], results: [result("b1", task: "broken")], failures: [], at: 6)
        #expect(refused.newResults.isEmpty && refused.refusedResults == ["b1"])
        await store.close()
    }

    @Test func sendsAreCountedAndUnrecognisedItemsKeptOnceBesideTheirTask() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await store.enqueue(newTask("a", results: 2))
        try await store.recordSends(["a"])
        try await store.recordSends(["a"])
        let odd = IncomingUnrecognised(place: "data[1]", reason: "a JSON integer, expected an object", rawJSON: "42")
        let first = try await store.recordDelivery(
            taskUUID: "a", source: .webhook, rawBody: [1], results: [result("i1", task: "a")], failures: [], unrecognised: [odd], at: 2)
        #expect(first.unrecognisedRecorded == 1)
        let again = try await store.recordDelivery(
            taskUUID: "a", source: .webhook, rawBody: [1], results: [result("i1", task: "a")], failures: [], unrecognised: [odd], at: 3)
        #expect(again.unrecognisedRecorded == 0)
        let detail = try #require(try await store.task("a"))
        #expect(detail.task.sendCount == 2)
        #expect(detail.unrecognised.map(\.place) == ["data[1]"])
        #expect(detail.unrecognised.first?.source == .webhook)
        #expect(detail.unrecognised.first?.rawJSON == "42")
        await store.close()
    }

    @Test func resultsRememberHowTheyArrivedAndPollsCountAsRepairs() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await store.enqueue(newTask("a", results: 3))
        try await store.markSubmitted(["a"], at: 1)
        _ = try await store.recordDelivery(taskUUID: "a", source: .webhook, rawBody: [1], results: [result("i1", task: "a")], failures: [], at: 2)
        _ = try await store.recordDelivery(taskUUID: "a", source: .poll, rawBody: [2], results: [result("i1", task: "a"), result("i2", task: "a")], failures: [], at: 3)
        _ = try await store.recordDelivery(taskUUID: "a", source: .submitResponse, rawBody: [3], results: [result("i3", task: "a")], failures: [], at: 4)
        #expect(try await store.result(imageUUID: "i1")?.receivedVia == .webhook)
        #expect(try await store.result(imageUUID: "i2")?.receivedVia == .poll)
        #expect(try await store.result(imageUUID: "i3")?.receivedVia == .submitResponse)
        #expect(try await store.repairCount() == 1)
        await store.close()
    }

    @Test func aFreshURLReplacesAnExpiredOneOnlyForPendingResults() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try await store.enqueue(newTask("a"))
        _ = try await store.recordDelivery(taskUUID: "a", source: .webhook, rawBody: [1], results: [result("i1", task: "a")], failures: [], at: 2)
        _ = try await store.recordFetchAttempt(imageUUID: "i1")
        #expect(try await store.replaceResultSource(imageUUID: "i1", sourceValue: "https://im.runware.ai/fresh.jpg") == 1)
        let refreshed = try #require(try await store.result(imageUUID: "i1"))
        #expect(refreshed.sourceValue == "https://im.runware.ai/fresh.jpg")
        #expect(refreshed.fetchAttempts == 0)
        #expect(refreshed.refetches == 1)
        try await store.markResultFailed(imageUUID: "i1", reason: "gone", at: 3)
        await #expect(throws: StoreError.self) { try await store.replaceResultSource(imageUUID: "i1", sourceValue: "x") }
        await #expect(throws: StoreError.self) { try await store.replaceResultSource(imageUUID: "nope", sourceValue: "x") }
        await store.close()
    }
}

/// Checkpoints run on their own thread; a closed store leaves everything in the database file.
@Suite struct WALCheckpointTests {
    @Test func closingLeavesAnEmptyWALAndEveryRowInTheFile() async throws {
        let directory = NSTemporaryDirectory() + "kontextd-wal-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/store.sqlite3"
        let store = try TaskStore(path: path)
        for index in 0..<200 {
            _ = try await store.enqueue(
                NewTask(
                    taskUUID: "task-\(index)", requestJSON: "{\"n\":\(index)}", payloadJSON: "{}", numberResults: 1,
                    outputFormat: .png, outputType: .url, expectedSize: nil))
        }
        let walSize = { (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
        #expect(walSize() > 0)
        await store.close()
        #expect(walSize() == 0)
        // Every connection is closed once close() returns: the journal mode can be changed, which
        // SQLite refuses while any other connection has the file open.
        let exclusive = try SQLiteConnection(path: path, role: .checkpointer, busyTimeout: .zero)
        #expect(try exclusive.query("PRAGMA journal_mode = DELETE") { row -> String in row["journal_mode"] } == ["delete"])
        _ = try exclusive.query("PRAGMA journal_mode = WAL") { row -> String in row["journal_mode"] }
        let reopened = try TaskStore(path: path)
        #expect(try await reopened.stateCounts()[.queued] == 200)
        await reopened.close()
    }
}
