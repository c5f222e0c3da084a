import KontextCore
import KontextTesting
import Testing

@testable import KontextStore

@Suite struct SpendStoreTests {
    @Test func spendIsCountedPerUTCDayOncePerResult() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(in: directory)
            defer { Task { await store.close() } }
            _ = try await store.enqueue(newTask("t1", numberResults: 3))
            _ = try await store.enqueue(newTask("t2", numberResults: 1))
            let day1 = 1_800_000_000.0  // 2027-01-15 08:00 UTC
            let day2 = day1 + 86_400
            try await store.markSubmitted(["t1"], at: day1)
            #expect(try await store.spendSummary(day: "2027-01-15") == SpendSummary(
                day: "2027-01-15", todayUSD: 0, totalUSD: 0, recentImageCostUSD: nil, outstandingImages: 3, heldTasks: 0))

            try await deliver(["i1", "i2"], task: "t1", to: store, at: day1)
            // A repeated delivery stores nothing and costs nothing.
            try await deliver(["i1"], task: "t1", to: store, at: day1)
            try await deliver(["i3"], task: "t1", to: store, at: day2)
            try await deliver(["j1"], task: "t2", to: store, at: day2)

            let first = try await store.spendSummary(day: SpendControl.utcDay(day1))
            #expect(abs(first.todayUSD - 0.005) < 1e-12)
            #expect(abs(first.totalUSD - 0.01) < 1e-12)
            #expect(first.outstandingImages == 0)
            let second = try await store.spendSummary(day: SpendControl.utcDay(day2))
            #expect(abs(second.todayUSD - 0.005) < 1e-12)
            #expect(abs((second.recentImageCostUSD ?? 0) - 0.0025) < 1e-12)
            #expect(try await store.spendDays(limit: 10).map(\.day) == ["2027-01-16", "2027-01-15"])
            #expect(try await store.spendDays(limit: 10).map(\.images) == [2, 2])
        }
    }

    @Test func heldTasksLeaveTheQueueKeepTheirReasonAndComeBackInOrder() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(in: directory)
            defer { Task { await store.close() } }
            for uuid in ["a", "b", "c"] { _ = try await store.enqueue(newTask(uuid)) }
            #expect(try await store.hold("a", reason: "budget.dailyUSD", at: 1))
            #expect(try await store.hold("b", reason: "budget.totalUSD", at: 1))
            #expect(try await store.queuedTasks(limit: 10).map(\.taskUUID) == ["c"])
            let held = try await store.heldTasks(limit: 10)
            #expect(held.map(\.taskUUID) == ["a", "b"])
            #expect(held.map(\.heldReason) == ["budget.dailyUSD", "budget.totalUSD"])
            #expect(try await store.spendSummary(day: "x").heldTasks == 2)
            #expect(try await store.stateCounts()[.held] == 2)

            // A task that is not queued is never held; one not held is never "released".
            try await store.markSubmitted(["c"], at: 2)
            #expect(try await store.hold("c", reason: "r", at: 2) == false)
            #expect(try await store.release(["a", "c"], at: 3) == 1)
            #expect(try await store.queuedTasks(limit: 10).map(\.taskUUID) == ["a"])
            #expect(try await store.task("a")?.task.heldReason == nil)
            #expect(try await store.tasks(state: .held, limit: 10, after: nil).tasks.map(\.taskUUID) == ["b"])
        }
    }
}
