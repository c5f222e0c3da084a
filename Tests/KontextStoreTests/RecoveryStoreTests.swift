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
        try await store.markPolled(["old"], at: 180)
        #expect(try await store.overdueTasks(submittedBefore: 150, polledBefore: 170, limit: 10).isEmpty)
        #expect(try await store.overdueTasks(submittedBefore: 150, polledBefore: 190, limit: 10).map(\.taskUUID) == ["old"])
        #expect(try await store.task("old")?.task.lastPolledAt == 180)
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
