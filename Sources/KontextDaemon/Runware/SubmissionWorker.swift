import Foundation
import KontextCore
import KontextNet
import KontextStore
import Logging

/// Sends queued tasks to Runware's REST API and records what Runware says about each.
///
/// One task per `POST /v1` by default, as both official SDKs send (`runware.maxTasksPerRequest`
/// allows batches); each task's `webhookURL` carries its own token. The decisions are
/// `SubmissionPolicy`'s (KontextCore); this worker performs them. Runware is never asked to run a
/// task twice: a send whose outcome is unknown (timeout or dropped connection after sending, a
/// 5xx other than 503/504, a batch answer silent about the task) marks the task uncertain, and
/// an uncertain task is asked about with `getResponse` before it is sent again. A resend
/// answered `conflictTaskUUID` counts as accepted; on a first send the same code means the UUID
/// is another Runware task's, and the task is rejected (`taskUUIDTaken`). 429/503/504 leave
/// tasks queued and back off (honouring `Retry-After`), up to `runware.maxSubmitFailures` per
/// task, after which the task fails with the last reason. 401/402 pause submission (health says
/// why) instead of burning the queue; per-task errors (400, 403) reject that task with Runware's
/// code and message.
final class SubmissionWorker: Sendable {
    private let store: any SubmissionStore
    private let api: any RunwareClient
    private let webhookBaseURL: String
    private let token: WebhookToken
    private let signal: WorkSignal
    private let ingestSignal: WorkSignal
    private let health: DaemonHealth
    private let metrics: DaemonMetrics
    private let pollInterval: Double
    private let spendGate: SpendGate
    private let clock: any DaemonClock
    private let logger: Logger

    init(
        store: any SubmissionStore, api: any RunwareClient, webhookBaseURL: String, token: WebhookToken, signal: WorkSignal,
        ingestSignal: WorkSignal, health: DaemonHealth, metrics: DaemonMetrics, pollInterval: Double, spendGate: SpendGate,
        clock: any DaemonClock, logger: Logger
    ) {
        self.spendGate = spendGate
        self.store = store
        self.api = api
        self.webhookBaseURL = webhookBaseURL
        self.token = token
        self.signal = signal
        self.ingestSignal = ingestSignal
        self.health = health
        self.metrics = metrics
        self.pollInterval = pollInterval
        self.clock = clock
        self.logger = logger
    }

    /// The webhook URL Runware is given for `taskUUID`.
    func webhookURL(for taskUUID: String) -> String {
        "\(webhookBaseURL)/webhooks/runware/\(taskUUID)?token=\(token.token(for: taskUUID))"
    }

    private var maxTasksPerRequest: Int { api.configuration.maxTasksPerRequest }

    /// Submits until the task is cancelled.
    func run() async {
        var failures = 0
        var singly = false
        while !Task.isCancelled {
            let outcome: Outcome
            do {
                outcome = try await round(singly: singly)
            } catch {
                logger.error("cannot read or record submissions", metadata: ["error": "\(error)"])
                health.raise(.storageUnavailable, reason: "submission bookkeeping failed: \(error)")
                await signal.wait(timeout: .seconds(clamping: max(pollInterval, 1)))
                continue
            }
            switch outcome {
            case .idle:
                singly = false
                await signal.wait(timeout: .seconds(clamping: pollInterval))
            case .done:
                failures = 0
                singly = false
            case .splitBatch:
                singly = true
            case .retryLater(let retryAfter):
                failures += 1
                let delay = RetrySchedule.transientSubmission.delay(afterFailures: failures, retryAfter: retryAfter)
                logger.notice("Runware unavailable, retrying", metadata: ["in_seconds": "\(String(format: "%.1f", delay))"])
                await sleep(seconds: delay)
            case .paused(let reason):
                failures += 1
                let delay = RetrySchedule.pausedSubmission.delay(afterFailures: failures)
                logger.error("submission paused: \(reason)", metadata: ["retry_in_seconds": "\(Int(delay.rounded()))"])
                await sleep(seconds: delay)
            }
        }
    }

    enum Outcome: Equatable {
        case idle
        case done
        case splitBatch
        case retryLater(retryAfter: Double?)
        case paused(String)
    }

    /// Backoff on the injected clock's monotonic time: a wall-clock jump cannot move a retry.
    private func sleep(seconds: Double) async {
        try? await clock.sleep(for: .seconds(clamping: seconds))
    }

    /// One round: settle uncertain sends first, then send a batch of queued tasks (one task when
    /// `singly`, after a batch answer that could not be attributed per task).
    func round(singly: Bool) async throws(StoreError) -> Outcome {
        let uncertain = try await store.uncertainTasks(limit: maxTasksPerRequest)
        if !uncertain.isEmpty {
            return try await resolveUncertain(uncertain)
        }
        let queued = try await store.queuedTasks(limit: singly ? 1 : maxTasksPerRequest)
        let batch = try await spendGate.admit(queued)
        // Tasks held this round changed state: look again at once for others that fit.
        if batch.isEmpty { return queued.isEmpty ? .idle : .done }
        return try await submit(batch)
    }

    /// Asks Runware whether it already has tasks whose last send went unanswered.
    private func resolveUncertain(_ tasks: [TaskRecord]) async throws(StoreError) -> Outcome {
        let answer: RunwareAPI.Answer
        do {
            answer = try await api.getResponse(tasks.map(\.taskUUID))
        } catch {
            health.raise(.runwareUnavailable, reason: "getResponse failed: \(error)")
            return .retryLater(retryAfter: nil)
        }
        if let outcome = verdictOnHTTPStatus(answer) { return outcome }
        guard answer.envelope != nil else {
            health.raise(.runwareUnavailable, reason: "getResponse answered \(answer.status) with an unreadable body")
            return .retryLater(retryAfter: nil)
        }
        let news = answer.news()
        let now = clock.wallNow
        var accepted: [String] = []
        var askAgain = false
        for task in tasks {
            let taskNews = news[task.taskUUID] ?? RunwareTaskNews()
            switch SubmissionPolicy.resolveUncertain(taskNews) {
            case .runwareHasTask:
                logger.notice("Runware already had the task after an unanswered send; not sending it again", metadata: ["task": "\(task.taskUUID)"])
                accepted.append(task.taskUUID)
                try await record(taskNews, for: task.taskUUID, body: answer.body, source: .submitResponse, at: now)
            case .neverReceived:
                try await store.clearSubmissionUncertain(task.taskUUID, afterFailedOrNotFound: false)
            case .failedOrNeverReceived(let error):
                // Sent again, watching the answer: a conflictTaskUUID now means it ran and failed.
                logger.notice(
                    "getResponse answered \(error.code) after an unanswered send; sending again, a conflict will mean it failed",
                    metadata: ["task": "\(task.taskUUID)"])
                try await store.clearSubmissionUncertain(task.taskUUID, afterFailedOrNotFound: true)
            case .ended(let error):
                // It ran and failed: never resent (the resend would only meet conflictTaskUUID).
                let message = "after an unanswered send, getResponse answered \(error.code): \(error.message.isEmpty ? "no message" : error.message); not sent again"
                try await store.failTask(task.taskUUID, code: error.code, message: message, at: now)
                logger.warning("task ended by getResponse after an unanswered send", metadata: ["task": "\(task.taskUUID)", "code": "\(error.code)"])
            case .askAgain(let error):
                askAgain = true
                logger.notice("getResponse could not say yet whether Runware has the task", metadata: ["task": "\(task.taskUUID)", "code": "\(error.code)"])
            }
        }
        if !accepted.isEmpty { try await markSubmitted(accepted, at: now) }
        return askAgain ? .retryLater(retryAfter: answer.retryAfter) : .done
    }

    private func submit(_ batch: [TaskRecord]) async throws(StoreError) -> Outcome {
        var payloads: [JSONValue] = []
        var sendable: [TaskRecord] = []
        let now = clock.wallNow
        for task in batch {
            guard case .object(var payload)? = try? JSONCoding.parse(task.payloadJSON) else {
                // A payload that no longer parses was written by this daemon: fail it loudly rather than loop on it.
                try await store.failTask(task.taskUUID, code: "kontextdCorruptPayload", message: "the stored payload is not a JSON object", at: now)
                continue
            }
            payload["taskUUID"] = .string(task.taskUUID)
            payload["webhookURL"] = .string(webhookURL(for: task.taskUUID))
            payload["deliveryMethod"] = .string("async")
            // Always: spend control adds up what Runware reports (tasks queued before this rule too).
            payload["includeCost"] = .bool(true)
            payloads.append(.object(payload))
            sendable.append(task)
        }
        guard !sendable.isEmpty else { return .done }

        // Counted before sending: after a crash mid-send the task still counts as sent, so a
        // conflictTaskUUID on its resend is recognised as our own first send having gone through.
        try await store.recordSends(sendable.map(\.taskUUID))
        metrics.submitRequests.increment()
        let answer: RunwareAPI.Answer
        do {
            answer = try await api.post(payloads)
        } catch {
            metrics.submitFailures.increment()
            health.raise(.runwareUnavailable, reason: "POST \(api.configuration.apiURL) failed: \(error)")
            logger.warning(
                "submission failed", metadata: ["error": "\(error)", "tasks": "\(sendable.count)", "outcome_unknown": "\(error.outcomeUnknown)"])
            return try await sendFailed(sendable, uncertain: error.outcomeUnknown, reason: "\(error)", retryAfter: nil)
        }
        if let outcome = verdictOnHTTPStatus(answer) {
            if case .retryLater(let retryAfter) = outcome, case .retryLater(let mayHaveRun) = SubmissionPolicy.verdict(forStatus: answer.status) {
                return try await sendFailed(sendable, uncertain: mayHaveRun, reason: "Runware answered \(answer.status)", retryAfter: retryAfter)
            }
            return outcome
        }
        return try await handle(answer, for: sendable)
    }

    /// The outcome an HTTP status decides on its own (pause, back off), or nil to read the body.
    private func verdictOnHTTPStatus(_ answer: RunwareAPI.Answer) -> Outcome? {
        let status = answer.status
        let error = answer.envelope?.failures.first
        let detail = error.map { " \($0.code): \($0.message)" } ?? ""
        switch SubmissionPolicy.verdict(forStatus: status) {
        case .pause:
            metrics.submitFailures.increment()
            let reason = "Runware answered \(status)\(detail) — tasks stay queued until this is fixed"
            health.raise(.submissionPaused, reason: reason)
            return .paused(reason)
        case .retryLater:
            metrics.submitFailures.increment()
            health.raise(.runwareUnavailable, reason: "Runware answered \(status)\(detail)")
            return .retryLater(retryAfter: answer.retryAfter)
        case .readBody:
            health.clear(.submissionPaused)
            health.clear(.runwareUnavailable)
            return nil
        }
    }

    /// Counts a send without a verdict against each task's budget; fails those that used it up.
    private func sendFailed(_ tasks: [TaskRecord], uncertain: Bool, reason: String, retryAfter: Double?) async throws(StoreError) -> Outcome {
        let now = clock.wallNow
        let counts = try await store.recordSubmitFailure(tasks.map(\.taskUUID), uncertain: uncertain, at: now)
        let budget = api.configuration.maxSubmitFailures
        for (uuid, count) in counts where count >= budget {
            // An uncertain task may already be running: it is settled by getResponse, not failed blind.
            if uncertain { continue }
            try await store.failTask(
                uuid, code: "submissionGaveUp", message: "Runware did not accept the task after \(count) attempts; last: \(reason)", at: now)
            logger.error("gave up submitting", metadata: ["task": "\(uuid)", "attempts": "\(count)", "reason": "\(reason)"])
        }
        return .retryLater(retryAfter: retryAfter)
    }

    private func handle(_ answer: RunwareAPI.Answer, for batch: [TaskRecord]) async throws(StoreError) -> Outcome {
        let status = answer.status
        let now = clock.wallNow
        guard let envelope = answer.envelope else {
            metrics.submitFailures.increment()
            if (200..<300).contains(status) {
                // Accepted or not is unknown: ask before sending again.
                logger.warning("unreadable Runware response", metadata: ["status": "\(status)"])
                return try await sendFailed(batch, uncertain: true, reason: "unreadable response to a \(status)", retryAfter: nil)
            }
            if batch.count > 1 { return .splitBatch }
            let text = String(decoding: answer.body.prefix(500), as: UTF8.self)
            try await reject(batch[0], code: "http\(status)", message: "Runware answered \(status): \(text)", parameter: nil, raw: "{}", at: now)
            return .done
        }
        reportUnrecognised(envelope, source: .submitResponse)

        let news = answer.news()
        let unattributed = answer.unattributedFailures
        let unmentioned = batch.filter { (news[$0.taskUUID] ?? RunwareTaskNews()).isEmpty }.count
        if SubmissionPolicy.mustSendSingly(batchSize: batch.count, unattributed: unattributed, unmentionedTasks: unmentioned) {
            // An error Runware did not tie to a task cannot be pinned on one of several: send them one by one.
            logger.notice("batch answer has errors naming no task; sending its tasks one by one", metadata: ["tasks": "\(batch.count)"])
            return .splitBatch
        }

        var accepted: [String] = []
        var transient: [TaskRecord] = []
        var unsure: [TaskRecord] = []
        var retryReason = ""
        for task in batch {
            let taskNews = news[task.taskUUID] ?? RunwareTaskNews()
            let sentBefore = task.sendCount > 0 || task.submitFailures > 0 || task.submissionUncertain
            switch SubmissionPolicy.verdict(
                for: taskNews, status: status, batchSize: batch.count, unattributed: unattributed, sentBefore: sentBefore,
                afterFailedOrNotFound: task.resentAfterFailedOrNotFound)
            {
            case .accepted:
                if sentBefore, let conflict = taskNews.failures.first(where: { RunwareErrorClass.of($0.code) == .conflictTaskUUID }) {
                    // Runware already has this task (an earlier send went through): acceptance, not a second charge.
                    logger.info("Runware already had the task", metadata: ["task": "\(task.taskUUID)", "message": "\(conflict.message)"])
                }
                accepted.append(task.taskUUID)
                if !taskNews.results.isEmpty || !taskNews.unrecognised.isEmpty {
                    try await record(taskNews, for: task.taskUUID, body: answer.body, source: .submitResponse, at: now)
                }
            case .rejected(let failure):
                try await reject(
                    task, code: failure.code, message: failure.message, parameter: failure.parameter,
                    raw: JSONCoding.encodeString(failure.raw), at: now)
            case .uuidTaken(let conflict):
                try await reject(
                    task, code: "taskUUIDTaken",
                    message: "taskUUID \(task.taskUUID) already belongs to another Runware task (conflictTaskUUID on kontextd's first send); its results would not be this task's — submit again with a new taskUUID",
                    parameter: "taskUUID", raw: JSONCoding.encodeString(conflict.raw), at: now)
            case .failedEarlier(let conflict):
                let message = "getResponse answered taskFailedOrNotFound after an unanswered send, and the resend met conflictTaskUUID: Runware has the task, so it ran and failed"
                try await store.failTask(task.taskUUID, code: "taskFailedOrNotFound", message: message, at: now)
                logger.warning("task failed at Runware after an unanswered send", metadata: ["task": "\(task.taskUUID)", "message": "\(conflict.message)"])
            case .retryLater(let failure):
                transient.append(task)
                retryReason = "Runware answered \(failure.code): \(failure.message)"
            case .uncertain:
                unsure.append(task)
            case .refusedWithoutError(let status):
                try await reject(task, code: "http\(status)", message: "Runware answered \(status) without an error for this task", parameter: nil, raw: "{}", at: now)
            }
        }
        if !accepted.isEmpty { try await markSubmitted(accepted, at: now) }
        if !unsure.isEmpty {
            logger.warning("batch answer silent about some tasks; asking Runware before sending them again", metadata: ["tasks": "\(unsure.map(\.taskUUID).joined(separator: ","))"])
            _ = try await sendFailed(unsure, uncertain: true, reason: "the batch answer did not mention the task", retryAfter: nil)
        }
        if !transient.isEmpty {
            return try await sendFailed(transient, uncertain: false, reason: retryReason, retryAfter: answer.retryAfter)
        }
        return .done
    }

    private func markSubmitted(_ accepted: [String], at now: Double) async throws(StoreError) {
        try await store.markSubmitted(accepted, at: now)
        metrics.tasksSubmitted.increment(by: accepted.count)
        logger.info("submitted", metadata: ["tasks": "\(accepted.joined(separator: ","))"])
    }

    /// Records results, failures and unreadable items Runware returned outside a webhook.
    private func record(_ news: RunwareTaskNews, for taskUUID: String, body: [UInt8], source: DeliverySource, at now: Double) async throws(StoreError) {
        let failures = news.failures.filter { RunwareErrorClass.of($0.code).endsAcceptedTask }
        guard !news.results.isEmpty || !failures.isEmpty || !news.unrecognised.isEmpty else { return }
        let outcome = try await store.recordDelivery(
            taskUUID: taskUUID, source: source, rawBody: body, results: news.results.map(IncomingResult.init),
            failures: failures.map { IncomingFailure($0, taskUUID: taskUUID) },
            unrecognised: news.unrecognised.map(IncomingUnrecognised.init), at: now)
        if !outcome.newResults.isEmpty { ingestSignal.notify() }
    }

    private func reportUnrecognised(_ envelope: RunwareEnvelope, source: DeliverySource) {
        let items = envelope.unrecognised
        guard !items.isEmpty else { return }
        metrics.countUnrecognised(items.count, source: source)
        for item in items {
            logger.warning("unrecognised item in a Runware answer", metadata: ["source": "\(source.rawValue)", "item": "\(item)"])
        }
    }

    private func reject(_ task: TaskRecord, code: String, message: String, parameter: String?, raw: String, at now: Double) async throws(StoreError) {
        try await store.markRejected(task.taskUUID, code: code, message: message, parameter: parameter, rawJSON: raw, at: now)
        metrics.tasksRejected.increment()
        logger.warning("Runware rejected the task", metadata: ["task": "\(task.taskUUID)", "code": "\(code)", "message": "\(message)"])
    }
}
