import Foundation
import KontextCore
import KontextStore
import Logging

/// Finds results whose webhooks never arrived: submitted tasks still missing results past their
/// deadline are asked about with `getResponse`, and whatever Runware has is ingested through the
/// same idempotent path as a webhook. Each result found this way is a repair — a webhook that was
/// lost — counted in `/healthz` and `/metrics` so users can see how often it happens.
final class Reconciler: Sendable {
    private let store: any ReconciliationStore
    private let api: any RunwareClient
    private let configuration: DaemonConfiguration.Reconcile
    private let ingestSignal: WorkSignal
    private let health: DaemonHealth
    private let metrics: DaemonMetrics
    private let clock: any DaemonClock
    private let logger: Logger

    init(
        store: any ReconciliationStore, api: any RunwareClient, configuration: DaemonConfiguration.Reconcile, ingestSignal: WorkSignal,
        health: DaemonHealth, metrics: DaemonMetrics, clock: any DaemonClock, logger: Logger
    ) {
        self.store = store
        self.api = api
        self.configuration = configuration
        self.ingestSignal = ingestSignal
        self.health = health
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
    }

    /// The deadline after submission for `task`: `overdueAfter`, or half the task's `ttl` when
    /// that is sooner, so results are found while their URLs still work.
    func deadline(for task: TaskRecord) -> Double {
        Self.deadline(overdueAfter: configuration.overdueAfter, ttl: (try? JSONCoding.parse(task.payloadJSON))?["ttl"]?.doubleValue)
    }

    /// `overdueAfter`, or half of `ttl` when that is sooner.
    static func deadline(overdueAfter: Double, ttl: Double?) -> Double {
        guard let ttl, ttl > 0 else { return overdueAfter }
        return min(overdueAfter, ttl / 2)
    }

    /// Reconciles until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                while try await reconcileOnce() > 0 && !Task.isCancelled {}
            } catch {
                logger.error("reconciliation failed", metadata: ["error": "\(error)"])
            }
            try? await clock.sleep(for: .seconds(clamping: min(configuration.interval, configuration.overdueAfter) / 2))
        }
    }

    /// Polls one batch of overdue tasks; returns how many tasks were polled.
    @discardableResult
    func reconcileOnce() async throws -> Int {
        // Wall time: it is compared with the recorded `submittedAt` and `lastPolledAt`.
        let now = clock.wallNow
        // ttl can only shorten the deadline, to no less than 30 s (ttl >= 60): fetch with the
        // shortest possible deadline, then apply each task's own.
        let earliest = min(configuration.overdueAfter, 30)
        let candidates = try await store.overdueTasks(
            submittedBefore: now - earliest, polledBefore: now - configuration.interval, limit: api.configuration.maxTasksPerRequest * 4)
        let due = candidates.filter { now - ($0.submittedAt ?? now) >= deadline(for: $0) }.prefix(api.configuration.maxTasksPerRequest)
        guard !due.isEmpty else { return 0 }
        let uuids = due.map(\.taskUUID)
        let answer: RunwareAPI.Answer
        do {
            answer = try await api.getResponse(uuids)
        } catch {
            health.raise(.runwareUnavailable, reason: "getResponse failed: \(error)")
            return 0
        }
        guard (200..<300).contains(answer.status) || answer.status == 400, answer.envelope != nil else {
            health.raise(.runwareUnavailable, reason: "getResponse answered \(answer.status)")
            logger.warning("getResponse answered \(answer.status)", metadata: ["tasks": "\(uuids.count)"])
            return 0
        }
        health.clear(.runwareUnavailable)
        let news = answer.news()
        for task in due {
            let taskNews = news[task.taskUUID] ?? TaskNews()
            let failures = taskNews.failures.filter { !RunwareErrorCodes.meansUnknownTask($0.code) }
            if taskNews.results.isEmpty && failures.isEmpty { continue }
            let outcome = try await store.recordDelivery(
                taskUUID: task.taskUUID, source: .poll, rawBody: answer.body, results: taskNews.results.map(IncomingResult.init),
                failures: failures.map { IncomingFailure($0, taskUUID: task.taskUUID) }, at: now)
            if !outcome.newResults.isEmpty {
                metrics.repairs.increment(by: outcome.newResults.count)
                ingestSignal.notify()
                logger.warning(
                    "webhook lost: result found by polling Runware",
                    metadata: ["task": "\(task.taskUUID)", "results": "\(outcome.newResults.joined(separator: ","))"])
            }
            if outcome.failuresRecorded > 0 {
                logger.warning("task failure found by polling Runware", metadata: ["task": "\(task.taskUUID)"])
            }
        }
        try await store.markPolled(uuids, at: now)
        return uuids.count
    }
}
