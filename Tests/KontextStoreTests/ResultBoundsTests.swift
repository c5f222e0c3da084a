import KontextCore
import KontextStore
import KontextTesting
import Testing

/// A task takes at most `numberResults` distinct results and none once completed or failed; what
/// it refuses is noted in a ring that never grows past its capacity.
@Suite struct ResultBoundsTests {
    @Test func resultsBeyondNumberResultsAreRefusedAndNoted() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("t", numberResults: 2))
            let images = (0..<10).map { "img-\($0)" }
            let outcome = try await deliver(images, task: "t", to: store)
            #expect(outcome.newResults == ["img-0", "img-1"])
            #expect(outcome.refusedResults == Array(images[2...]))
            #expect(outcome.refusal == .resultLimit)
            #expect(try await rowCount("results", in: store) == 2)
            // Known results stay duplicates; a refused one is refused again.
            let again = try await deliver(["img-1", "img-5"], task: "t", to: store)
            #expect(again.duplicateResults == ["img-1"] && again.refusedResults == ["img-5"])
            let noted = try await store.refusedResults(taskUUID: "t")
            #expect(noted.count == 9)
            #expect(noted.first?.imageUUID == "img-5" && noted.first?.reason == .resultLimit)
            #expect(noted.first?.url == "https://im.runware.ai/image/img-5.png")
            await store.close()
        }
    }

    @Test func aCompletedTaskTakesNoFurtherResults() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("done", numberResults: 1))
            _ = try await deliver(["first"], task: "done", to: store)
            #expect(try await store.markResultStored(imageUUID: "first", image: storedImage("a"), at: 2) == .completed)
            let late = try await deliver(["late"], task: "done", to: store)
            #expect(late.newResults.isEmpty && late.refusedResults == ["late"] && late.refusal == .taskFinal)
            #expect(late.state == .completed)
            #expect(try await deliver(["first"], task: "done", to: store).duplicateResults == ["first"])
            #expect(try await rowCount("results", in: store) == 1)
            await store.close()
        }
    }

    @Test func theRefusalRingIsBounded() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("flood", numberResults: 1))
            let capacity = TaskStore.refusedResultsCapacity
            var sent = 0
            while sent < capacity + 50 {
                let batch = (sent..<min(sent + 2_000, capacity + 50)).map { "flood-\($0)" }
                _ = try await deliver(batch, task: "flood", to: store)
                sent += batch.count
            }
            #expect(try await store.refusedResultCount() == capacity)
            #expect(try await rowCount("results", in: store) == 1)
            // The newest refusals are kept, the oldest replaced.
            #expect(try await store.refusedResults(taskUUID: "flood", limit: 1).first?.imageUUID == "flood-\(capacity + 49)")
            await store.close()
        }
    }

    @Test func inlineImageDataIsNeverNoted() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("inline", numberResults: 1))
            _ = try await deliver(["kept"], task: "inline", to: store)
            let inline = IncomingResult(
                imageUUID: "extra", taskUUID: "inline", sourceKind: .base64Data, sourceValue: String(repeating: "A", count: 100_000),
                seed: nil, nsfw: nil, cost: nil, rawJSON: "{}")
            let outcome = try await store.recordDelivery(taskUUID: "inline", source: .webhook, rawBody: [], results: [inline], failures: [], at: 3)
            #expect(outcome.refusedResults == ["extra"])
            let noted = try #require(try await store.refusedResults(taskUUID: "inline").first)
            #expect(noted.url == nil && noted.sourceKind == .base64Data)
            await store.close()
        }
    }
}
