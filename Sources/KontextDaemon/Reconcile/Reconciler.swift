import KontextCore
import KontextStore
import Logging
import Synchronization

/// Makes sure every submitted task ends. Tasks still missing results past their poll delay are
/// asked about with `getResponse`, and whatever Runware has is ingested through the same
/// idempotent path as a webhook; each result found this way is a repair (a webhook that was
/// lost), counted in `/healthz` and `/metrics`. Failures Runware reports end the task — an
/// unknown task (`*NotFound`, `taskFailedOrNotFound`) included, never taken for "no news".
/// Tasks still missing results `reconcile.giveUpAfter` after submission (never sooner than
/// their `ttl`) end as failed with what was tried (`ReconcilePolicy.giveUp`).
///
/// Fairness: every poll is recorded whatever its outcome (404, 5xx, transport error, unreadable
/// body included), and candidates are taken least recently polled first, so a task whose polls
/// keep failing waits its turn instead of starving the others.
final class Reconciler: Sendable {
    private let store: any ReconciliationStore
    private let api: any RunwareClient
    private let configuration: DaemonConfiguration.Reconcile
    private let ingestSignal: WorkSignal
    private let health: DaemonHealth
    private let metrics: DaemonMetrics
    private let clock: any DaemonClock
    private let logger: Logger
    /// The `runwareUnavailable` reason this reconciler raised and has not seen cleared.
    private let raisedReason = Mutex<String?>(nil)

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

    /// Ends the tasks past their deadline, then polls one batch of overdue tasks; returns how
    /// many tasks were ended or polled (0 when there was nothing to do).
    @discardableResult
    func reconcileOnce() async throws -> Int {
        // Wall time: it is compared with the recorded `submittedAt` and `lastPolledAt`.
        let now = clock.wallNow
        let ended = try await endTasksPastDeadline(at: now)
        let polled = try await pollOverdue(at: now)
        if polled + ended == 0 { try await withdrawStaleUnavailability() }
        return polled + ended
    }

    /// A failed poll says Runware is unavailable until a poll succeeds; but when every task it
    /// was about has since ended (its webhooks came after all), no poll follows and the report
    /// would stand on an idle daemon forever. Once no task is submitted, nothing waits on
    /// Runware: the reconciler withdraws its own report (never one the submitter made since).
    private func withdrawStaleUnavailability() async throws {
        guard let reason = raisedReason.withLock({ $0 }) else { return }
        guard try await store.submittedTasksWithCounts(submittedBefore: .greatestFiniteMagnitude, limit: 1).isEmpty else { return }
        health.clear(.runwareUnavailable, ifReason: reason)
        raisedReason.withLock { $0 = nil }
        logger.notice("no submitted task waits on a poll any more; the failed poll's report is withdrawn", metadata: ["reason": "\(reason)"])
    }

    private func raiseUnavailable(_ reason: String) {
        health.raise(.runwareUnavailable, reason: reason)
        raisedReason.withLock { $0 = reason }
    }

    private static func ttl(of task: TaskRecord) -> Double? {
        (try? JSONCoding.parse(task.payloadJSON))?["ttl"]?.doubleValue
    }

    /// Fails every submitted task still missing results past its deadline.
    private func endTasksPastDeadline(at now: Double) async throws -> Int {
        // The deadline is never shorter than giveUpAfter: fetch with it, then apply each task's ttl.
        let candidates = try await store.submittedTasksWithCounts(submittedBefore: now - configuration.giveUpAfter, limit: 200)
        var ended = 0
        for candidate in candidates {
            let task = candidate.task
            guard let submittedAt = task.submittedAt,
                ReconcilePolicy.isPastDeadline(
                    submittedAt: submittedAt, now: now, giveUpAfter: configuration.giveUpAfter, ttl: Self.ttl(of: task)),
                let giveUp = ReconcilePolicy.giveUp(
                    numberResults: task.numberResults, announced: candidate.announced, stored: candidate.stored,
                    polls: task.pollCount, lastPoll: task.lastPollError ?? task.lastPollOutcome, waited: now - submittedAt)
            else { continue }
            let state = try await store.failTask(task.taskUUID, code: giveUp.code, message: giveUp.message, at: now)
            if state.isFinal {
                ended += 1
                metrics.tasksGivenUp.increment()
                logger.error("task ended at its deadline", metadata: ["task": "\(task.taskUUID)", "code": "\(giveUp.code)", "reason": "\(giveUp.message)"])
            }
        }
        return ended
    }

    /// Polls one batch of overdue tasks, least recently polled first; returns how many were polled.
    private func pollOverdue(at now: Double) async throws -> Int {
        // ttl can only shorten the poll delay, to no less than 30 s (ttl >= 60): fetch with the
        // shortest possible delay, then apply each task's own.
        let earliest = min(configuration.overdueAfter, 30)
        let batchSize = api.configuration.maxTasksPerRequest
        let candidates = try await store.overdueTasks(
            submittedBefore: now - earliest, polledBefore: now - configuration.interval, limit: batchSize * 4 + 16)
        let due = candidates.filter {
            now - ($0.submittedAt ?? now) >= ReconcilePolicy.pollDelay(overdueAfter: configuration.overdueAfter, ttl: Self.ttl(of: $0))
        }.prefix(batchSize)
        guard !due.isEmpty else { return 0 }
        let uuids = due.map(\.taskUUID)
        metrics.polls.increment(by: uuids.count)
        let answer: RunwareAPI.Answer
        do {
            answer = try await api.getResponse(uuids)
        } catch {
            raiseUnavailable("getResponse failed: \(error)")
            return try await pollFailed(uuids, outcome: "no answer", error: "getResponse failed: \(error)", at: now)
        }
        guard (200..<300).contains(answer.status) || answer.status == 400, let envelope = answer.envelope else {
            if answer.status >= 500 { raiseUnavailable("getResponse answered \(answer.status)") }
            let snippet = String(decoding: answer.body.prefix(200), as: UTF8.self)
            let error = answer.envelope == nil && (200..<300).contains(answer.status)
                ? "getResponse answered \(answer.status) with an unreadable body: \(snippet)"
                : "getResponse answered \(answer.status): \(snippet)"
            logger.warning("poll failed", metadata: ["tasks": "\(uuids.joined(separator: ","))", "error": "\(error)"])
            return try await pollFailed(uuids, outcome: "\(answer.status)", error: error, at: now)
        }
        health.clear(.runwareUnavailable)
        raisedReason.withLock { $0 = nil }
        let unrecognised = envelope.unrecognised
        if !unrecognised.isEmpty {
            metrics.countUnrecognised(unrecognised.count, source: .poll)
            for item in unrecognised {
                logger.warning("unrecognised item in a getResponse answer", metadata: ["item": "\(item)"])
            }
        }
        let news = answer.news()
        var polls: [PollRecord] = []
        for task in due {
            var taskNews = news[task.taskUUID] ?? RunwareTaskNews()
            if due.count == 1 {
                // Asked about one task, an unreadable item naming none is about it.
                taskNews.unrecognised += unrecognised.filter { $0.taskUUID == nil }
            }
            let verdict = ReconcilePolicy.verdict(for: taskNews)
            polls.append(PollRecord(taskUUID: task.taskUUID, outcome: ReconcilePolicy.describe(status: answer.status, verdict: verdict)))
            var results: [ImageResult] = []
            var failures: [RunwareError] = []
            if case .news(let found, let ending) = verdict { (results, failures) = (found, ending) }
            guard !results.isEmpty || !failures.isEmpty || !taskNews.unrecognised.isEmpty else { continue }
            let outcome = try await store.recordDelivery(
                taskUUID: task.taskUUID, source: .poll, rawBody: answer.body, results: results.map(IncomingResult.init),
                failures: failures.map { IncomingFailure($0, taskUUID: task.taskUUID) },
                unrecognised: taskNews.unrecognised.map(IncomingUnrecognised.init), at: now)
            if !outcome.newResults.isEmpty {
                metrics.repairs.increment(by: outcome.newResults.count)
                ingestSignal.notify()
                logger.warning(
                    "webhook lost: result found by polling Runware",
                    metadata: ["task": "\(task.taskUUID)", "results": "\(outcome.newResults.joined(separator: ","))"])
            }
            if outcome.failuresRecorded > 0 {
                logger.warning(
                    "task failure found by polling Runware",
                    metadata: ["task": "\(task.taskUUID)", "code": "\(failures.first?.code ?? "")", "state": "\(outcome.state.rawValue)"])
            }
        }
        try await store.recordPolls(polls, at: now)
        return uuids.count
    }

    /// Records a poll that got no usable answer for each task, so they take their turn again later.
    private func pollFailed(_ uuids: [String], outcome: String, error: String, at now: Double) async throws -> Int {
        metrics.pollFailures.increment(by: uuids.count)
        try await store.recordPolls(uuids.map { PollRecord(taskUUID: $0, outcome: outcome, error: error) }, at: now)
        return uuids.count
    }
}
