import KontextCore
import KontextStore
import Logging

/// Keeps tasks whose estimated cost would cross a `budget` limit from being sent (state `held`,
/// with the reason), and lets them go once they fit: when the UTC day turns, or when a reload
/// raises or removes the limit. The decision itself is `SpendControl.decide`, in Core.
struct SpendGate: Sendable {
    let store: any SpendStore
    let live: LiveConfiguration
    let clock: any DaemonClock
    let logger: Logger

    /// The spend figures now, for today's UTC day by the injected clock.
    func summary() async throws(StoreError) -> SpendSummary {
        try await store.spendSummary(day: SpendControl.utcDay(clock.wallNow))
    }

    /// Releases held tasks that now fit, then holds the queued ones in `batch` that do not; returns
    /// the tasks of `batch` that may be sent. Tasks are weighed oldest first, each one's estimate
    /// added to the committed spend before the next is weighed, so one round never overshoots.
    func admit(_ batch: [TaskRecord]) async throws(StoreError) -> [TaskRecord] {
        let budget = live.current.budget
        let limits = SpendLimits(dailyUSD: budget.dailyUSD, totalUSD: budget.totalUSD)
        let held = try await store.heldTasks(limit: 200)
        if limits.isUnlimited {
            if !held.isEmpty { try await release(held, why: "no budget limit is set") }
            return batch
        }
        guard !held.isEmpty || !batch.isEmpty else { return batch }
        let spend = try await summary()
        var position = SpendPosition(
            spentTodayUSD: spend.todayUSD, spentTotalUSD: spend.totalUSD,
            committedUSD: SpendControl.estimate(
                numberResults: spend.outstandingImages, recentImageCostUSD: spend.recentImageCostUSD,
                defaultImageCostUSD: budget.defaultImageCostUSD))
        func weigh(_ task: TaskRecord) -> SpendDecision {
            let estimate = SpendControl.estimate(
                numberResults: task.numberResults, recentImageCostUSD: spend.recentImageCostUSD,
                defaultImageCostUSD: budget.defaultImageCostUSD)
            let decision = SpendControl.decide(estimateUSD: estimate, position: position, limits: limits)
            if decision == .submit { position.committedUSD += estimate }
            return decision
        }
        // Held tasks are older than anything still queued: they are weighed first and keep their place.
        let fitting = held.filter { weigh($0) == .submit }
        if !fitting.isEmpty { try await release(fitting, why: "it fits the budget now") }
        var admitted: [TaskRecord] = []
        let now = clock.wallNow
        for task in batch {
            switch weigh(task) {
            case .submit:
                admitted.append(task)
            case .hold(let reason):
                if try await store.hold(task.taskUUID, reason: reason, at: now) {
                    logger.notice("task held by the budget", metadata: ["task": "\(task.taskUUID)", "reason": "\(reason)"])
                }
            }
        }
        return admitted
    }

    private func release(_ tasks: [TaskRecord], why: String) async throws(StoreError) {
        let released = try await store.release(tasks.map(\.taskUUID), at: clock.wallNow)
        if released > 0 {
            logger.notice("held tasks released", metadata: ["count": "\(released)", "why": "\(why)"])
        }
    }
}
