import Foundation
import KontextCore
import KontextTesting
import Testing

@testable import KontextStore

@Suite("Event log and outbox")
struct OutboxStoreTests {
    static let sinks = [
        SinkSubscription(name: "archive", events: [.imageStored]),
        SinkSubscription(name: "notify", events: [.imageStored, .taskFinished]),
    ]

    func open(_ dir: String, sinks: [SinkSubscription] = Self.sinks) throws -> TaskStore {
        let clock = SteppingClock()
        return try TaskStore(path: dir + "/kontextd.sqlite", configuration: StoreConfiguration(clock: { clock.now() }, sinks: sinks))
    }

    @Test func storingAnImageAndFinishingATaskWriteEventsAndOneOutboxRowPerSubscribedSink() async throws {
        try await withTemporaryDirectory { dir in
            let store = try open(dir)
            _ = try await store.enqueue(newTask("t1", numberResults: 2, prompt: "make it blue"))
            try await deliver(["i1", "i2"], task: "t1", to: store)
            // A webhook alone writes no event: events come when images are stored or tasks finish.
            #expect(try await store.events(after: 0, limit: 10).isEmpty)

            try await store.markResultStored(imageUUID: "i1", image: storedImage("a"), at: 1_800_000_010)
            let afterFirst = try await store.events(after: 0, limit: 10)
            #expect(afterFirst.map(\.type) == [.imageStored])
            let body = try JSONCoding.parse(afterFirst[0].body)
            #expect(body["type"] == .string("image.stored"))
            #expect(body["id"] == .string(afterFirst[0].eventUUID))
            #expect(body["data"]?["imageUUID"] == .string("i1"))
            #expect(body["data"]?["taskUUID"] == .string("t1"))
            #expect(body["data"]?["prompt"] == .string("make it blue"))
            #expect(body["data"]?["sha256"] == .string(String(repeating: "a", count: 64)))
            #expect(body["data"]?["seed"]?.uint64Value == 42)
            #expect(body["data"]?["cost"]?.doubleValue == 0.0025)
            #expect(body["data"]?["format"] == .string("PNG"))
            #expect(body["data"]?["storedAt"] == .string("2027-01-15T08:00:10.000Z"))

            let state = try await store.markResultStored(imageUUID: "i2", image: storedImage("b"), at: 1_800_000_020)
            #expect(state == .completed)
            let events = try await store.events(after: 0, limit: 10)
            #expect(events.map(\.type) == [.imageStored, .imageStored, .taskFinished])
            #expect(events.map(\.id) == events.map(\.id).sorted())
            let finished = try JSONCoding.parse(events[2].body)
            #expect(finished["data"]?["state"] == .string("completed"))
            #expect(finished["data"]?["imageUUIDs"] == .array([.string("i1"), .string("i2")]))
            #expect(finished["data"]?["errors"] == .array([]))

            // The cursor reads on from where it was.
            #expect(try await store.events(after: events[0].id, limit: 1).map(\.id) == [events[1].id])

            // archive takes images only, notify takes both.
            #expect(try await store.dueDeliveries(sink: "archive", now: 1_900_000_000, limit: 10).count == 2)
            let notify = try await store.dueDeliveries(sink: "notify", now: 1_900_000_000, limit: 10)
            #expect(notify.map(\.event.id) == events.map(\.id))
            #expect(try await rowCount("outbox", in: store) == 5)
            await store.close()
        }
    }

    @Test func aFailedTaskHasItsFinishedEventWithErrors() async throws {
        try await withTemporaryDirectory { dir in
            let store = try open(dir)
            _ = try await store.enqueue(newTask("t1"))
            try await store.markRejected("t1", code: "invalidPrompt", message: "bad prompt", parameter: "positivePrompt", rawJSON: "{}", at: 1_800_000_000)
            let events = try await store.events(after: 0, limit: 10)
            #expect(events.map(\.type) == [.taskFinished])
            let body = try JSONCoding.parse(events[0].body)
            #expect(body["data"]?["state"] == .string("rejected"))
            #expect(body["data"]?["errors"]?.arrayValue?.first?["code"] == .string("invalidPrompt"))
            #expect(body["data"]?["errors"]?.arrayValue?.first?["parameter"] == .string("positivePrompt"))
            #expect(try await store.dueDeliveries(sink: "archive", now: 1_900_000_000, limit: 10).isEmpty)
            #expect(try await store.dueDeliveries(sink: "notify", now: 1_900_000_000, limit: 10).count == 1)
            await store.close()
        }
    }

    @Test func failuresBackOffThenDeadLetterAndRetryPutsThemBack() async throws {
        try await withTemporaryDirectory { dir in
            let store = try open(dir)
            _ = try await store.enqueue(newTask("t1"))
            try await deliver(["i1"], task: "t1", to: store)
            try await store.markResultStored(imageUUID: "i1", image: storedImage("a"), at: 1_800_000_000)
            let entry = try #require(try await store.dueDeliveries(sink: "archive", now: 1_800_000_000, limit: 10).first)
            // A fresh delivery: nothing may be in the sink yet, and the path of its image comes along.
            #expect(!entry.checkExisting)
            #expect(entry.imagePath == "/images/" + String(repeating: "a", count: 64) + ".png")
            try await store.recordFailedDelivery(sink: "archive", eventID: entry.event.id, retryAt: 1_800_000_100, reason: "HTTP 500", at: 1_800_000_001)
            #expect(try await store.dueDeliveries(sink: "archive", now: 1_800_000_050, limit: 10).isEmpty)
            #expect(try await store.nextDeliveryTime(sink: "archive") == 1_800_000_100)
            let waiting = try #require(try await store.dueDeliveries(sink: "archive", now: 1_800_000_100, limit: 10).first)
            #expect(waiting.attempts == 1)
            #expect(waiting.lastError == "HTTP 500")
            // The failed attempt may have reached the store before it failed: look first next time.
            #expect(waiting.checkExisting)

            try await store.recordFailedDelivery(sink: "archive", eventID: entry.event.id, retryAt: nil, reason: "HTTP 500 again", at: 1_800_000_101)
            var figures = try #require(try await store.outboxStatistics(sinks: ["archive"])["archive"])
            #expect(figures.dead == 1)
            #expect(figures.pending == 0)
            #expect(figures.lastError == "HTTP 500 again")
            #expect(try await store.dueDeliveries(sink: "archive", now: 1_900_000_000, limit: 10).isEmpty)

            #expect(try await store.retryDeadLetters(sink: "notify", at: 1_800_000_200) == 0)
            #expect(try await store.retryDeadLetters(sink: "archive", at: 1_800_000_200) == 1)
            let back = try #require(try await store.dueDeliveries(sink: "archive", now: 1_800_000_200, limit: 10).first)
            #expect(back.attempts == 0)
            #expect(back.checkExisting)
            try await store.markDelivered(sink: "archive", eventIDs: [back.event.id], at: 1_800_000_201)
            figures = try #require(try await store.outboxStatistics(sinks: ["archive"])["archive"])
            #expect(figures.delivered == 1)
            #expect(figures.pending == 0 && figures.dead == 0)
            await store.close()
        }
    }

    @Test func backfillCatchesANewSinkUpOnceAndRecordsEventsForImagesStoredBeforeTheLog() async throws {
        try await withTemporaryDirectory { dir in
            let store = try open(dir, sinks: [])
            _ = try await store.enqueue(newTask("t1"))
            try await deliver(["i1"], task: "t1", to: store)
            try await store.markResultStored(imageUUID: "i1", image: storedImage("a"), at: 1_800_000_000)
            // An image stored before the event log existed (an older database) has no event.
            _ = try await store.writer.write { db in try db.run("DELETE FROM events") }
            let late = SinkSubscription(name: "late", events: [.imageStored])
            #expect(try await store.backfill(late, at: 1_800_000_100) == 1)
            #expect(try await store.backfill(late, at: 1_800_000_200) == 0)
            let events = try await store.events(after: 0, limit: 10)
            #expect(events.map(\.imageUUID) == ["i1"])
            let backfilled = try await store.dueDeliveries(sink: "late", now: 1_900_000_000, limit: 10)
            #expect(backfilled.map(\.event.id) == events.map(\.id))
            // A backfill may find the image already in the sink: those deliveries look first.
            #expect(backfilled.filter { !$0.checkExisting }.isEmpty)
            await store.close()
        }
    }

    @Test func aLocalImageIsReleasableOnlyOnceEverySinkConfirmedIt() async throws {
        try await withTemporaryDirectory { dir in
            let store = try open(dir)
            _ = try await store.enqueue(newTask("t1", numberResults: 2))
            try await deliver(["i1", "i2"], task: "t1", to: store)
            // Two results with the same bytes share one content-addressed file.
            try await store.markResultStored(imageUUID: "i1", image: storedImage("a"), at: 1_800_000_000)
            try await store.markResultStored(imageUUID: "i2", image: storedImage("a"), at: 1_800_000_000)
            let sinks = ["archive", "notify"]
            #expect(try await store.releasableImages(storedBefore: 1_900_000_000, sinks: sinks, limit: 10).isEmpty)
            let images = try await store.events(after: 0, limit: 10).filter { $0.type == .imageStored }
            try await store.markDelivered(sink: "archive", eventIDs: images.map(\.id), at: 1_800_000_001)
            #expect(try await store.releasableImages(storedBefore: 1_900_000_000, sinks: sinks, limit: 10).isEmpty)
            try await store.markDelivered(sink: "notify", eventIDs: [images[0].id], at: 1_800_000_001)
            #expect(try await store.releasableImages(storedBefore: 1_800_000_000, sinks: sinks, limit: 10).isEmpty)
            let ready = try await store.releasableImages(storedBefore: 1_900_000_000, sinks: sinks, limit: 10)
            #expect(ready.map(\.imageUUID) == ["i1"])
            // i2 still needs the file.
            #expect(try await store.releaseLocalImage(imageUUID: "i1", at: 1_900_000_000) == false)
            try await store.markDelivered(sink: "notify", eventIDs: [images[1].id], at: 1_800_000_001)
            #expect(try await store.releasableImages(storedBefore: 1_900_000_000, sinks: sinks, limit: 10).map(\.imageUUID) == ["i2"])
            #expect(try await store.releaseLocalImage(imageUUID: "i2", at: 1_900_000_000) == true)
            #expect(try await store.releasableImages(storedBefore: 1_900_000_000, sinks: sinks, limit: 10).isEmpty)
            await store.close()
        }
    }

    @Test func aWaiterWakesWhenAnEventCommits() async throws {
        try await withTemporaryDirectory { dir in
            let store = try open(dir)
            _ = try await store.enqueue(newTask("t1"))
            try await deliver(["i1"], task: "t1", to: store)
            let version = store.eventsAppended.version
            async let woke: Void = store.eventsAppended.wait(since: version, timeout: .seconds(3600))
            try await store.markResultStored(imageUUID: "i1", image: storedImage("a"), at: 1_800_000_000)
            await woke
            #expect(store.eventsAppended.version != version)
            await store.close()
        }
    }

    @Test func theAttemptedThroughMarkOnlyRisesAndStartsAtZero() async throws {
        try await withTemporaryDirectory { dir in
            let store = try open(dir)
            #expect(try await store.attemptedThrough(sink: "archive") == 0)
            try await store.raiseAttemptedThrough(sink: "archive", to: 7)
            try await store.raiseAttemptedThrough(sink: "archive", to: 3)
            try await store.raiseAttemptedThrough(sink: "notify", to: 2)
            #expect(try await store.attemptedThrough(sink: "archive") == 7)
            #expect(try await store.attemptedThrough(sink: "notify") == 2)
            await store.close()
            // Durable: a later process reads it back.
            let reopened = try open(dir)
            #expect(try await reopened.attemptedThrough(sink: "archive") == 7)
            await reopened.close()
        }
    }
}
