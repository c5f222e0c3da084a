import Foundation
import KontextCore
import KontextNet
import KontextStore
import Logging

/// The webhook listener's responder: `POST /webhooks/runware/{taskUUID}?token=…`.
///
/// Order of checks: the token (401, in constant time, before anything about the task is
/// revealed), the body (400 when it is not JSON or no item in it is understood; items that are
/// not understood beside others that are are kept raw on the task and counted), then the delivery is committed to SQLite — raw body and parsed
/// results — in the same write that finds an unknown task (404), and only then answered 200. A repeated delivery of a known result
/// answers 200 and stores nothing new. Storage trouble answers 503 with `Retry-After`, never 200.
public struct WebhookReceiver: HTTPResponder {
    private let store: TaskStore
    private let token: WebhookToken
    private let ingestSignal: WorkSignal
    private let health: DaemonHealth
    private let metrics: DaemonMetrics
    private let logger: Logger
    private let router: Router

    init(store: TaskStore, token: WebhookToken, ingestSignal: WorkSignal, health: DaemonHealth, metrics: DaemonMetrics, logger: Logger) {
        self.store = store
        self.token = token
        self.ingestSignal = ingestSignal
        self.health = health
        self.metrics = metrics
        self.logger = logger
        var router = Router()
        router.add("GET", "/healthz") { _, _ in
            HTTPResponse.json(status: 200, body: Array(#"{"status":"ok"}"#.utf8))
        }
        self.router = router
    }

    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let prefix = "/webhooks/runware/"
        guard request.path.hasPrefix(prefix) else { return await router.respond(to: request) }
        guard request.method == "POST" else {
            return HTTPResponse.error(
                status: 405, code: "method_not_allowed", message: "webhooks are POST only, got \(request.method)",
                extraHeaders: [HTTPHeader(name: "Allow", value: "POST")])
        }
        let taskUUID = String(request.path.dropFirst(prefix.count)).lowercased()
        return await receive(taskUUID: taskUUID, request: request)
    }

    private func receive(taskUUID: String, request: HTTPRequest) async -> HTTPResponse {
        guard token.isValid(request.query["token"], for: taskUUID) else {
            metrics.webhooksUnauthorized.increment()
            logger.warning("webhook with a missing or wrong token", metadata: ["task": "\(taskUUID)", "remote": "\(request.remoteAddress ?? "?")"])
            return HTTPResponse.error(status: 401, code: "invalid_token", message: "missing or invalid webhook token")
        }
        let envelope: RunwareEnvelope
        do {
            envelope = try RunwareEnvelope.parse(request.body)
        } catch {
            metrics.webhooksRejected.increment()
            logger.warning("unreadable webhook body", metadata: ["task": "\(taskUUID)", "error": "\(error)"])
            return HTTPResponse.error(status: 400, code: "invalid_body", message: "\(error)")
        }
        // Item by item: what is understood is stored, what is not is kept raw beside the task;
        // one odd item never hides the others (nor makes Runware redeliver them forever).
        var results: [IncomingResult] = []
        var failures: [IncomingFailure] = []
        var unrecognised: [UnrecognisedItem] = []
        var understood = 0
        for item in envelope.items {
            switch item {
            case .result(let result):
                guard result.taskUUID.lowercased() == taskUUID else {
                    unrecognised.append(UnrecognisedItem(
                        place: "result \(result.imageUUID)",
                        reason: "belongs to task \(result.taskUUID), not to \(taskUUID) named by the URL", taskUUID: result.taskUUID,
                        raw: result.raw))
                    continue
                }
                results.append(IncomingResult(result))
            case .failure(let error):
                if let other = error.taskUUID?.lowercased(), other != taskUUID {
                    unrecognised.append(UnrecognisedItem(
                        place: "error \(error.code)", reason: "is for task \(other), not for \(taskUUID) named by the URL",
                        taskUUID: other, raw: error.raw))
                    continue
                }
                failures.append(IncomingFailure(error, taskUUID: taskUUID))
            case .pending:
                break
            case .unrecognised(let item):
                unrecognised.append(item)
                continue
            }
            understood += 1
        }
        if !unrecognised.isEmpty {
            metrics.countUnrecognised(unrecognised.count, source: .webhook)
            for item in unrecognised {
                logger.warning("unrecognised item in a webhook", metadata: ["task": "\(taskUUID)", "item": "\(item)"])
            }
            if understood == 0 {
                metrics.webhooksRejected.increment()
                let reasons = unrecognised.map(\.description).joined(separator: "; ")
                return HTTPResponse.error(
                    status: 400, code: "invalid_body", message: "no item of the body could be understood: \(reasons)")
            }
        }

        let outcome: DeliveryOutcome
        do {
            outcome = try await store.recordDelivery(
                taskUUID: taskUUID, source: .webhook, rawBody: request.body, results: results, failures: failures,
                unrecognised: unrecognised.map(IncomingUnrecognised.init), at: Date().timeIntervalSince1970)
        } catch where error.kind == .notFound {
            metrics.webhooksRejected.increment()
            return HTTPResponse.error(status: 404, code: "unknown_task", message: "no task \(taskUUID)")
        } catch where error.kind == .invalidInput {
            metrics.webhooksRejected.increment()
            return HTTPResponse.error(status: 400, code: "invalid_body", message: error.message)
        } catch {
            return storageUnavailable(error)
        }
        health.clear(.storageUnavailable)
        if outcome.newResults.isEmpty && outcome.failuresRecorded == 0 {
            metrics.webhooksDuplicate.increment()
        } else {
            metrics.webhooksAccepted.increment()
        }
        if !outcome.newResults.isEmpty { ingestSignal.notify() }
        logger.debug(
            "webhook stored",
            metadata: ["task": "\(taskUUID)", "new": "\(outcome.newResults.count)", "duplicates": "\(outcome.duplicateResults.count)"])
        let body: JSONValue = .object([
            "status": .string("stored"),
            "taskUUID": .string(taskUUID),
            "newResults": .integer(Int64(outcome.newResults.count)),
            "duplicateResults": .integer(Int64(outcome.duplicateResults.count)),
            "unrecognisedItems": .integer(Int64(unrecognised.count)),
            "taskState": .string(outcome.state.rawValue),
        ])
        return HTTPResponse.json(status: 200, body: JSONCoding.encode(body))
    }

    private func storageUnavailable(_ error: any Error) -> HTTPResponse {
        health.raise(.storageUnavailable, reason: "\(error)")
        logger.error("webhook not stored: storage unavailable", metadata: ["error": "\(error)"])
        return HTTPResponse.error(
            status: 503, code: "storage_unavailable", message: "the delivery was not stored: \(error)",
            extraHeaders: [HTTPHeader(name: "Retry-After", value: "5")])
    }
}
