import Foundation
import KontextCore
import KontextNet
import KontextStore
import Logging

/// Sends queued tasks to Runware's REST API and records what Runware says about each.
///
/// Several waiting tasks share one `POST /v1`; each task's `webhookURL` carries its own token.
/// Runware is never asked to run a task twice: a send whose outcome is unknown (timeout or
/// dropped connection after sending, a 5xx other than 503/504) marks the task uncertain, and an
/// uncertain task is asked about with `getResponse` before it is sent again; a resend answered
/// `conflictTaskUUID` counts as accepted. 429/503/504 leave tasks queued and back off
/// (honouring `Retry-After`), up to `runware.maxSubmitFailures` per task, after which the task
/// fails with the last reason. 401/402 pause submission (health says why) instead of burning
/// the queue; per-task errors (400, 403) reject that task with Runware's code and message.
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
    private let transientSchedule = RetrySchedule(initial: 1, maximum: 60)
    private let pauseSchedule = RetrySchedule(initial: 30, maximum: 300)

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
                let delay = transientSchedule.delay(afterFailures: failures, retryAfter: retryAfter)
                logger.notice("Runware unavailable, retrying", metadata: ["in_seconds": "\(String(format: "%.1f", delay))"])
                await sleep(seconds: delay)
            case .paused(let reason):
                failures += 1
                let delay = pauseSchedule.delay(afterFailures: failures)
                logger.error("submission paused: \(reason)", metadata: ["retry_in_seconds": "\(Int(delay.rounded()))"])
                await sleep(seconds: delay)
            }
        }
    }

    private enum Outcome {
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

    /// One round: settle uncertain sends first, then send a batch of queued tasks.
    private func round(singly: Bool) async throws(StoreError) -> Outcome {
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
        let news = answer.news()
        let now = clock.wallNow
        var accepted: [String] = []
        for task in tasks {
            let taskNews = news[task.taskUUID] ?? TaskNews()
            if taskNews.runwareHasTask {
                logger.notice("Runware already had the task after an unanswered send; not sending it again", metadata: ["task": "\(task.taskUUID)"])
                accepted.append(task.taskUUID)
                try await record(taskNews, for: task.taskUUID, body: answer.body, source: .submitResponse, at: now)
            } else {
                try await store.clearSubmissionUncertain(task.taskUUID)
            }
        }
        if !accepted.isEmpty { try await markSubmitted(accepted, at: now) }
        return .done
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
            if case .retryLater(let retryAfter) = outcome {
                // 503/504/429 say the task was not taken; other 5xx may have been after it was.
                let uncertain = answer.status >= 500 && answer.status != 503 && answer.status != 504
                return try await sendFailed(sendable, uncertain: uncertain, reason: "Runware answered \(answer.status)", retryAfter: retryAfter)
            }
            return outcome
        }
        return try await handle(answer, for: sendable)
    }

    /// The outcome an HTTP status decides on its own (pause, back off), or nil to read the body.
    private func verdictOnHTTPStatus(_ answer: RunwareAPI.Answer) -> Outcome? {
        let status = answer.status
        let error = answer.envelope?.failures.first
        if status == 401 || status == 402 {
            metrics.submitFailures.increment()
            let detail = error.map { " \($0.code): \($0.message)" } ?? ""
            let reason = "Runware answered \(status)\(detail) — tasks stay queued until this is fixed"
            health.raise(.submissionPaused, reason: reason)
            return .paused(reason)
        }
        if status == 408 || status == 429 || status >= 500 {
            metrics.submitFailures.increment()
            health.raise(.runwareUnavailable, reason: "Runware answered \(status)\(error.map { " \($0.code): \($0.message)" } ?? "")")
            return .retryLater(retryAfter: answer.retryAfter)
        }
        health.clear(.submissionPaused)
        health.clear(.runwareUnavailable)
        return nil
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
        guard answer.envelope != nil else {
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

        let news = answer.news()
        let unattributed = answer.unattributedFailures
        if !unattributed.isEmpty && batch.count > 1 && batch.contains(where: { news[$0.taskUUID] == nil }) {
            // An error Runware did not tie to a task cannot be pinned on one of several: send them one by one.
            return .splitBatch
        }

        var accepted: [String] = []
        for task in batch {
            let taskNews = news[task.taskUUID] ?? TaskNews()
            let failures = taskNews.failures.isEmpty && batch.count == 1 ? unattributed : taskNews.failures
            if let conflict = failures.first(where: { $0.code == RunwareErrorCodes.conflictTaskUUID }) {
                // Runware already has this task (an earlier send went through): acceptance, not a second charge.
                logger.info("Runware already had the task", metadata: ["task": "\(task.taskUUID)", "message": "\(conflict.message)"])
                accepted.append(task.taskUUID)
            } else if let failure = failures.first {
                try await reject(
                    task, code: failure.code, message: failure.message, parameter: failure.parameter,
                    raw: JSONCoding.encodeString(failure.raw), at: now)
                continue
            } else if (200..<300).contains(status) {
                accepted.append(task.taskUUID)
            } else {
                try await reject(task, code: "http\(status)", message: "Runware answered \(status) without an error for this task", parameter: nil, raw: "{}", at: now)
                continue
            }
            if !taskNews.results.isEmpty {
                try await record(taskNews, for: task.taskUUID, body: answer.body, source: .submitResponse, at: now)
            }
        }
        if !accepted.isEmpty { try await markSubmitted(accepted, at: now) }
        return .done
    }

    private func markSubmitted(_ accepted: [String], at now: Double) async throws(StoreError) {
        try await store.markSubmitted(accepted, at: now)
        metrics.tasksSubmitted.increment(by: accepted.count)
        logger.info("submitted", metadata: ["tasks": "\(accepted.joined(separator: ","))"])
    }

    /// Records results (and failures) Runware returned outside a webhook.
    private func record(_ news: TaskNews, for taskUUID: String, body: [UInt8], source: DeliverySource, at now: Double) async throws(StoreError) {
        let failures = news.failures.filter { !RunwareErrorCodes.meansUnknownTask($0.code) && $0.code != RunwareErrorCodes.conflictTaskUUID }
        guard !news.results.isEmpty || !failures.isEmpty else { return }
        let outcome = try await store.recordDelivery(
            taskUUID: taskUUID, source: source, rawBody: body, results: news.results.map(IncomingResult.init),
            failures: failures.map { IncomingFailure($0, taskUUID: taskUUID) }, at: now)
        if !outcome.newResults.isEmpty { ingestSignal.notify() }
    }

    private func reject(_ task: TaskRecord, code: String, message: String, parameter: String?, raw: String, at now: Double) async throws(StoreError) {
        try await store.markRejected(task.taskUUID, code: code, message: message, parameter: parameter, rawJSON: raw, at: now)
        metrics.tasksRejected.increment()
        logger.warning("Runware rejected the task", metadata: ["task": "\(task.taskUUID)", "code": "\(code)", "message": "\(message)"])
    }
}
