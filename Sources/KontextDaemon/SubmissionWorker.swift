import Foundation
import KontextCore
import KontextNet
import KontextStore
import Logging

/// Sends queued tasks to Runware's REST API and records what Runware says about each.
///
/// Several waiting tasks share one `POST /v1`. Each task's `webhookURL` carries its own token.
/// Transient failures (429, 5xx, timeouts, dropped connections) leave tasks queued and back off;
/// an ambiguous failure is safe to resend because a resend that Runware already has answers
/// `conflictTaskUUID`, which counts as accepted. 401/402 pause submission instead of rejecting
/// every queued task; per-task errors reject that task with Runware's code and message.
final class SubmissionWorker: Sendable {
    private let store: TaskStore
    private let client: CurlHTTPClient
    private let runware: DaemonConfiguration.Runware
    private let webhookBaseURL: String
    private let token: WebhookToken
    private let signal: WorkSignal
    private let ingestSignal: WorkSignal
    private let health: DaemonHealth
    private let metrics: DaemonMetrics
    private let pollInterval: Double
    private let logger: Logger
    private let transientSchedule = RetrySchedule(initial: 1, maximum: 60)
    private let pauseSchedule = RetrySchedule(initial: 30, maximum: 300)

    init(
        store: TaskStore, client: CurlHTTPClient, runware: DaemonConfiguration.Runware, webhookBaseURL: String,
        token: WebhookToken, signal: WorkSignal, ingestSignal: WorkSignal, health: DaemonHealth,
        metrics: DaemonMetrics, pollInterval: Double, logger: Logger
    ) {
        self.store = store
        self.client = client
        self.runware = runware
        self.webhookBaseURL = webhookBaseURL
        self.token = token
        self.signal = signal
        self.ingestSignal = ingestSignal
        self.health = health
        self.metrics = metrics
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// The webhook URL Runware is given for `taskUUID`.
    func webhookURL(for taskUUID: String) -> String {
        "\(webhookBaseURL)/webhooks/runware/\(taskUUID)?token=\(token.token(for: taskUUID))"
    }

    /// Submits until the task is cancelled.
    func run() async {
        var failures = 0
        var singly = false
        while !Task.isCancelled {
            let batch: [TaskRecord]
            do {
                batch = try await store.queuedTasks(limit: singly ? 1 : runware.maxTasksPerRequest)
            } catch {
                logger.error("cannot read queued tasks", metadata: ["error": "\(error)"])
                await signal.wait(timeout: .seconds(pollInterval))
                continue
            }
            if batch.isEmpty {
                singly = false
                await signal.wait(timeout: .seconds(pollInterval))
                continue
            }
            let outcome = await submit(batch)
            switch outcome {
            case .done:
                failures = 0
                singly = false
            case .splitBatch:
                singly = true
            case .retryLater(let retryAfter):
                failures += 1
                let delay = transientSchedule.delay(afterFailures: failures, retryAfter: retryAfter)
                logger.notice("Runware unavailable, retrying", metadata: ["in_seconds": "\(Int(delay.rounded()))"])
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
        case done
        case splitBatch
        case retryLater(retryAfter: Double?)
        case paused(String)
    }

    private func sleep(seconds: Double) async {
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }

    private func submit(_ batch: [TaskRecord]) async -> Outcome {
        var payloads: [JSONValue] = []
        var sendable: [TaskRecord] = []
        let now = Date().timeIntervalSince1970
        for task in batch {
            guard case .object(var payload)? = try? JSONCoding.parse(task.payloadJSON) else {
                // A payload that no longer parses was written by this daemon: reject it loudly rather than loop on it.
                await reject(task, code: "kontextdCorruptPayload", message: "stored payload is not a JSON object", parameter: nil, raw: "{}", at: now)
                continue
            }
            payload["taskUUID"] = .string(task.taskUUID)
            payload["webhookURL"] = .string(webhookURL(for: task.taskUUID))
            payload["deliveryMethod"] = .string("async")
            payloads.append(.object(payload))
            sendable.append(task)
        }
        guard !sendable.isEmpty else { return .done }

        let request = HTTPClientRequest(
            method: "POST", url: runware.apiURL,
            headers: [
                HTTPHeader(name: "Content-Type", value: "application/json"),
                HTTPHeader(name: "Authorization", value: "Bearer \(runware.apiKey)"),
            ],
            body: JSONCoding.encode(.array(payloads)), timeout: runware.requestTimeout)
        metrics.submitRequests.increment()
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request)
        } catch {
            metrics.submitFailures.increment()
            health.raise(.runwareUnavailable, reason: "POST \(runware.apiURL) failed: \(error)")
            // Whether or not Runware got the tasks, a resend is safe: a duplicate answers conflictTaskUUID.
            logger.warning(
                "submission failed", metadata: ["error": "\(error)", "tasks": "\(sendable.count)", "outcome_unknown": "\(error.outcomeUnknown)"])
            return .retryLater(retryAfter: nil)
        }
        return await handle(response, for: sendable)
    }

    private func handle(_ response: HTTPClientResponse, for batch: [TaskRecord]) async -> Outcome {
        let status = response.status
        let envelope = try? RunwareEnvelope.parse(response.body)
        let retryAfter = response.header("retry-after").flatMap(Double.init)

        if status == 401 || status == 402 {
            metrics.submitFailures.increment()
            let error = envelope?.failures.first
            let reason = "Runware answered \(status) \(error?.code ?? "")\(error.map { ": \($0.message)" } ?? "") — tasks stay queued until this is fixed"
            health.raise(.submissionPaused, reason: reason)
            return .paused(reason)
        }
        if status == 408 || status == 429 || status >= 500 {
            metrics.submitFailures.increment()
            let error = envelope?.failures.first
            health.raise(.runwareUnavailable, reason: "Runware answered \(status)\(error.map { " \($0.code): \($0.message)" } ?? "")")
            return .retryLater(retryAfter: retryAfter)
        }
        health.clear(.submissionPaused)
        health.clear(.runwareUnavailable)

        guard let envelope else {
            metrics.submitFailures.increment()
            if (200..<300).contains(status) {
                // Accepted or not is unknown: resending is safe (conflictTaskUUID means accepted).
                logger.warning("unreadable Runware response", metadata: ["status": "\(status)"])
                return .retryLater(retryAfter: nil)
            }
            if batch.count > 1 { return .splitBatch }
            let text = String(decoding: response.body.prefix(500), as: UTF8.self)
            await reject(batch[0], code: "http\(status)", message: "Runware answered \(status): \(text)", parameter: nil, raw: "{}", at: Date().timeIntervalSince1970)
            return .done
        }

        let now = Date().timeIntervalSince1970
        var byTask: [String: (results: [ImageResult], failures: [RunwareError], mentioned: Bool)] = [:]
        var unattributed: [RunwareError] = []
        for item in envelope.items {
            switch item {
            case .result(let result):
                byTask[result.taskUUID.lowercased(), default: ([], [], false)].results.append(result)
            case .failure(let error):
                if let uuid = error.taskUUID?.lowercased() {
                    byTask[uuid, default: ([], [], false)].failures.append(error)
                } else {
                    unattributed.append(error)
                }
            case .pending(let uuid, _, _):
                byTask[uuid.lowercased(), default: ([], [], false)].mentioned = true
            }
        }

        if !unattributed.isEmpty && batch.count > 1 && batch.contains(where: { byTask[$0.taskUUID] == nil }) {
            // An error Runware did not tie to a task cannot be pinned on any one of several: send them one by one.
            return .splitBatch
        }

        var accepted: [String] = []
        for task in batch {
            let news = byTask[task.taskUUID]
            let failures = news?.failures ?? (batch.count == 1 ? unattributed : [])
            if let conflict = failures.first(where: { $0.code == "conflictTaskUUID" }) {
                // Runware already has this task (an earlier send went through): that is acceptance, not a new charge.
                logger.info("Runware already had the task", metadata: ["task": "\(task.taskUUID)", "message": "\(conflict.message)"])
                accepted.append(task.taskUUID)
            } else if let failure = failures.first {
                await reject(task, code: failure.code, message: failure.message, parameter: failure.parameter, raw: JSONCoding.encodeString(failure.raw), at: now)
                continue
            } else if (200..<300).contains(status) {
                accepted.append(task.taskUUID)
            } else {
                await reject(task, code: "http\(status)", message: "Runware answered \(status) without an error for this task", parameter: nil, raw: "{}", at: now)
                continue
            }
            if let results = news?.results, !results.isEmpty {
                await recordEagerResults(results, for: task.taskUUID, body: response.body, at: now)
            }
        }
        if !accepted.isEmpty {
            do {
                try await store.markSubmitted(accepted, at: now)
                metrics.tasksSubmitted.increment(by: accepted.count)
                logger.info("submitted", metadata: ["tasks": "\(accepted.joined(separator: ","))"])
            } catch {
                logger.error("cannot record submission", metadata: ["error": "\(error)", "tasks": "\(accepted)"])
                health.raise(.storageUnavailable, reason: "recording a submission failed: \(error)")
                return .retryLater(retryAfter: nil)
            }
        }
        return .done
    }

    private func recordEagerResults(_ results: [ImageResult], for taskUUID: String, body: [UInt8], at now: Double) async {
        do {
            let outcome = try await store.recordDelivery(
                taskUUID: taskUUID, source: .submitResponse, rawBody: body, results: results.map(IncomingResult.init),
                failures: [], at: now)
            if !outcome.newResults.isEmpty { ingestSignal.notify() }
        } catch {
            logger.error("cannot record results from the submit response", metadata: ["task": "\(taskUUID)", "error": "\(error)"])
        }
    }

    private func reject(_ task: TaskRecord, code: String, message: String, parameter: String?, raw: String, at now: Double) async {
        do {
            _ = try await store.markRejected(task.taskUUID, code: code, message: message, parameter: parameter, rawJSON: raw, at: now)
            metrics.tasksRejected.increment()
            logger.warning("Runware rejected the task", metadata: ["task": "\(task.taskUUID)", "code": "\(code)", "message": "\(message)"])
        } catch {
            logger.error("cannot record a rejection", metadata: ["task": "\(task.taskUUID)", "error": "\(error)"])
        }
    }
}
