import Foundation
import KontextCore
import KontextTesting
import Testing

@testable import KontextStore

@Suite("TaskStore")
struct TaskStoreTests {
    @Test func enqueueCreatesThenFindsExistingThenReportsConflict() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            let created = try await store.enqueue(newTask("t1"))
            guard case .created(let record) = created else { Issue.record("expected created, got \(created)"); return }
            #expect(record.state == .queued)
            #expect(record.numberResults == 1)
            #expect(record.outputFormat == .png)
            #expect(record.expectedSize == ImageSize(width: 1024, height: 1024))
            #expect(record.requestHash.count == 64)

            let again = try await store.enqueue(newTask("t1"))
            #expect(again == .existing(record))

            let different = try await store.enqueue(newTask("t1", prompt: "make it red"))
            #expect(different == .conflict(record))
            // The conflicting body changed nothing.
            let stored = try #require(try await store.task("t1"))
            #expect(stored.task.requestJSON == newTask("t1").requestJSON)
            #expect(try await rowCount("tasks", in: store) == 1)
            await store.close()
        }
    }

    @Test func queuedTasksComeOldestFirstAndLeaveWhenSubmitted() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            for uuid in ["c", "a", "b"] { _ = try await store.enqueue(newTask(uuid)) }
            #expect(try await store.queuedTasks(limit: 10).map(\.taskUUID) == ["c", "a", "b"])
            #expect(try await store.queuedTasks(limit: 2).map(\.taskUUID) == ["c", "a"])

            try await store.markSubmitted(["c", "b"], at: 2_000_000_000)
            #expect(try await store.queuedTasks(limit: 10).map(\.taskUUID) == ["a"])
            let c = try #require(try await store.task("c")).task
            #expect(c.state == .submitted)
            #expect(c.submitAttempts == 1)
            #expect(c.submittedAt == 2_000_000_000)
            #expect(c.updatedAt == 2_000_000_000)

            // A repeated acknowledgement counts the attempt and keeps the first submission time.
            try await store.markSubmitted(["c"], at: 2_000_000_100)
            let again = try #require(try await store.task("c")).task
            #expect(again.submitAttempts == 2)
            #expect(again.submittedAt == 2_000_000_000)
            await store.close()
        }
    }

    @Test func markSubmittedOfUnknownTaskChangesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("known"))
            let error = await #expect(throws: StoreError.self) {
                try await store.markSubmitted(["known", "unknown"], at: 1)
            }
            #expect(error?.kind == .notFound)
            #expect(try #require(try await store.task("known")).task.state == .queued)
            await store.close()
        }
    }

    @Test func markRejectedKeepsTheErrorAndForbidsLaterAcceptance() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("r"))
            let state = try await store.markRejected(
                "r", code: "invalidPositivePrompt", message: "prompt too short", parameter: "positivePrompt",
                rawJSON: #"{"code":"invalidPositivePrompt"}"#, at: 3_000)
            #expect(state == .rejected)
            let detail = try #require(try await store.task("r"))
            #expect(detail.task.state == .rejected)
            #expect(detail.task.errorCode == "invalidPositivePrompt")
            #expect(detail.task.errorMessage == "prompt too short")
            #expect(detail.task.finishedAt == 3_000)
            #expect(detail.errors.count == 1)
            #expect(detail.errors.first?.parameter == "positivePrompt")
            #expect(detail.errors.first?.rawJSON == #"{"code":"invalidPositivePrompt"}"#)

            let error = await #expect(throws: StoreError.self) { try await store.markSubmitted(["r"], at: 3_001) }
            #expect(error?.kind == .invalidTransition)
            let after = try #require(try await store.task("r")).task
            #expect(after.state == .rejected)
            #expect(after.submitAttempts == 0)
            await store.close()
        }
    }

    @Test func duplicateDeliveryStoresNothingNew() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("d", numberResults: 2))
            try await store.markSubmitted(["d"], at: 10)
            let first = try await deliver(["img-1"], task: "d", to: store)
            #expect(first.newResults == ["img-1"])
            #expect(first.duplicateResults.isEmpty)
            #expect(first.state == .submitted)

            let second = try await deliver(["img-1"], task: "d", to: store)
            #expect(second.newResults.isEmpty)
            #expect(second.duplicateResults == ["img-1"])
            #expect(!second.storedAnything)
            #expect(try await rowCount("deliveries", in: store) == 1)
            #expect(try await rowCount("results", in: store) == 1)

            let result = try #require(try await store.result(imageUUID: "img-1"))
            #expect(result.state == .pending)
            #expect(result.seed == 42)
            #expect(result.nsfw == false)
            #expect(result.cost == 0.0025)
            #expect(result.sourceKind == .url)
            await store.close()
        }
    }

    @Test func rawDeliveryBodyIsKeptByteForByte() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("raw"))
            let body: [UInt8] = [0x7B, 0x00, 0xFF, 0x7D]  // not even valid UTF-8: kept as sent
            _ = try await store.recordDelivery(
                taskUUID: "raw", source: .submitResponse, rawBody: body, results: [incomingResult("i", task: "raw")],
                failures: [], at: 5)
            let kept = try await store.writer.write { db in
                try db.queryFirst("SELECT source, raw_body FROM deliveries") { row -> (String, [UInt8]) in (row["source"], row["raw_body"]) }
            }
            #expect(kept?.0 == "submitResponse")
            #expect(kept?.1 == body)
            await store.close()
        }
    }

    @Test func failureDeliveryFailsTheTaskAndIsRecordedOnce() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("f"))
            try await store.markSubmitted(["f"], at: 10)
            let failure = IncomingFailure(
                taskUUID: "f", code: "timeoutProvider", message: "the provider timed out", parameter: nil,
                rawJSON: #"{"code":"timeoutProvider","taskUUID":"f"}"#)
            let outcome = try await store.recordDelivery(
                taskUUID: "f", source: .webhook, rawBody: Array("{}".utf8), results: [], failures: [failure], at: 20)
            #expect(outcome.failuresRecorded == 1)
            #expect(outcome.state == .failed)

            let repeated = try await store.recordDelivery(
                taskUUID: "f", source: .webhook, rawBody: Array("{}".utf8), results: [], failures: [failure], at: 21)
            #expect(repeated.failuresRecorded == 0)

            let detail = try #require(try await store.task("f"))
            #expect(detail.task.state == .failed)
            #expect(detail.task.errorCode == "timeoutProvider")
            #expect(detail.task.finishedAt == 20)
            #expect(detail.errors.map(\.code) == ["timeoutProvider"])
            #expect(try await rowCount("deliveries", in: store) == 1)
            await store.close()
        }
    }

    @Test func resultBeforeAcknowledgementProvesAcceptance() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("early"))
            let outcome = try await deliver(["e1"], task: "early", to: store, at: 50)
            #expect(outcome.state == .submitted)
            let task = try #require(try await store.task("early")).task
            #expect(task.submittedAt == 50)
            #expect(try await store.queuedTasks(limit: 10).isEmpty)

            let final = try await store.markResultStored(imageUUID: "e1", image: storedImage("a"), at: 60)
            #expect(final == .completed)
            // The late acknowledgement changes nothing for a completed task.
            try await store.markSubmitted(["early"], at: 70)
            #expect(try #require(try await store.task("early")).task.state == .completed)
            await store.close()
        }
    }

    @Test func threeResultsAccumulateToCompleted() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("three", numberResults: 3))
            try await store.markSubmitted(["three"], at: 1)
            try await deliver(["x1"], task: "three", to: store)
            try await deliver(["x2", "x3"], task: "three", to: store)
            #expect(try await store.pendingResults(limit: 10).map(\.imageUUID) == ["x1", "x2", "x3"])

            #expect(try await store.markResultStored(imageUUID: "x1", image: storedImage("1"), at: 100) == .submitted)
            #expect(try await store.markResultStored(imageUUID: "x2", image: storedImage("2"), at: 101) == .submitted)
            #expect(try await store.markResultStored(imageUUID: "x3", image: storedImage("3"), at: 102) == .completed)

            let detail = try #require(try await store.task("three"))
            #expect(detail.task.state == .completed)
            #expect(detail.task.finishedAt == 102)
            #expect(detail.results.allSatisfy { $0.state == .stored })
            let x3 = try #require(detail.results.first { $0.imageUUID == "x3" })
            #expect(x3.sha256 == String(repeating: "3", count: 64))
            #expect(x3.format == .png)
            #expect(x3.width == 1024)
            #expect(x3.byteSize == 1234)
            #expect(x3.storedAt == 102)
            #expect(try await store.pendingResults(limit: 10).isEmpty)
            #expect(try await store.resultCounts() == [.pending: 0, .stored: 3, .failed: 0])
            await store.close()
        }
    }

    @Test func oneFailedVerificationFailsTheTaskOnceAllAreResolved() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("mixed", numberResults: 2))
            try await deliver(["m1", "m2"], task: "mixed", to: store)
            #expect(try await store.recordFetchAttempt(imageUUID: "m1") == 1)
            #expect(try await store.recordFetchAttempt(imageUUID: "m1") == 2)
            let afterFailure = try await store.markResultFailed(imageUUID: "m1", reason: "not a PNG", at: 10)
            #expect(afterFailure == .submitted)
            let afterStore = try await store.markResultStored(imageUUID: "m2", image: storedImage("b"), at: 11)
            #expect(afterStore == .failed)

            let detail = try #require(try await store.task("mixed"))
            #expect(detail.task.state == .failed)
            #expect(detail.task.finishedAt == 11)
            #expect(detail.task.errorCode != nil)
            let m1 = try #require(try await store.result(imageUUID: "m1"))
            #expect(m1.state == .failed)
            #expect(m1.failureReason == "not a PNG")
            #expect(m1.fetchAttempts == 2)
            await store.close()
        }
    }

    @Test func resultForRejectedTaskIsKeptWhileTaskStaysRejected() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("rej"))
            try await store.markRejected("rej", code: "c", message: "m", parameter: nil, rawJSON: "{}", at: 1)
            let outcome = try await deliver(["late"], task: "rej", to: store)
            #expect(outcome.newResults == ["late"])
            #expect(outcome.state == .rejected)
            #expect(try await store.result(imageUUID: "late") != nil)
            #expect(try await store.markResultStored(imageUUID: "late", image: storedImage("c"), at: 2) == .rejected)
            #expect(try #require(try await store.task("rej")).task.state == .rejected)
            await store.close()
        }
    }

    @Test func unknownThingsAreReportedAsNotFound() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            #expect(try await store.task("nope") == nil)
            #expect(try await store.result(imageUUID: "nope") == nil)
            let delivery = await #expect(throws: StoreError.self) { try await deliver(["i"], task: "nope", to: store) }
            #expect(delivery?.kind == .notFound)
            let stored = await #expect(throws: StoreError.self) {
                try await store.markResultStored(imageUUID: "nope", image: storedImage("d"), at: 1)
            }
            #expect(stored?.kind == .notFound)
            #expect(try await rowCount("deliveries", in: store) == 0)
            await store.close()
        }
    }

    @Test func paginationWalksTwentyFiveTasksTenAtATime() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            let uuids = (0..<25).map { String(format: "task-%02d", $0) }
            for uuid in uuids { _ = try await store.enqueue(newTask(uuid)) }

            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await store.tasks(state: nil, limit: 10, after: cursor)
                seen += page.tasks.map(\.taskUUID)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == uuids)

            let malformed = await #expect(throws: StoreError.self) {
                try await store.tasks(state: nil, limit: 10, after: "not-a-cursor")
            }
            #expect(malformed?.kind == .invalidInput)
            await store.close()
        }
    }

    @Test func stateFilterAndCounts() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            for index in 0..<6 { _ = try await store.enqueue(newTask("s\(index)")) }
            try await store.markSubmitted(["s1", "s3", "s5"], at: 1)
            try await store.markRejected("s0", code: "c", message: "m", parameter: nil, rawJSON: "{}", at: 2)

            let submitted = try await store.tasks(state: .submitted, limit: 2, after: nil)
            #expect(submitted.tasks.map(\.taskUUID) == ["s1", "s3"])
            let rest = try await store.tasks(state: .submitted, limit: 2, after: submitted.nextCursor)
            #expect(rest.tasks.map(\.taskUUID) == ["s5"])
            #expect(rest.nextCursor == nil)
            #expect(try await store.tasks(state: .completed, limit: 5, after: nil).tasks.isEmpty)

            #expect(try await store.stateCounts() == [.queued: 2, .held: 0, .submitted: 3, .rejected: 1, .completed: 0, .failed: 0])
            await store.close()
        }
    }

    @Test func everythingSurvivesCloseAndReopen() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("keep", numberResults: 2))
            try await store.markSubmitted(["keep"], at: 5)
            try await deliver(["k1", "k2"], task: "keep", to: store)
            try await store.markResultStored(imageUUID: "k1", image: storedImage("e"), at: 6)
            let before = try #require(try await store.task("keep"))
            await store.close()

            let closedError = await #expect(throws: StoreError.self) { try await store.enqueue(newTask("late")) }
            #expect(closedError?.kind == .closed)

            let reopened = try openStore(in: dir)
            let after = try #require(try await reopened.task("keep"))
            #expect(after == before)
            #expect(after.results.count == 2)
            #expect(try await reopened.pendingResults(limit: 10).map(\.imageUUID) == ["k2"])
            #expect(try await rowCount("deliveries", in: reopened) == 1)
            await reopened.close()
        }
    }
}
