import Foundation
import KontextCore
import KontextNet
import KontextStore
import Logging

/// The webhook listener's responder and head inspector: `POST /webhooks/runware/{taskUUID}?token=…`.
///
/// Authentication happens on the request head (`inspect`), before a byte of the body is read: a
/// missing or wrong token (checked in constant time, before anything about the task is revealed)
/// answers 401 and the connection closes, so a client without a token can make the daemon buffer
/// nothing; `Expect: 100-continue` is answered only for a valid token. Every other path answers
/// without a body being read.
///
/// Then the body, read item by item (400 when it is not JSON or no item in it is understood;
/// items not understood beside others that are are kept raw on the task and counted), then the
/// delivery is committed to SQLite — raw body and parsed results —
/// in the same write that finds an unknown task (404), and only then answered 200. A repeated
/// delivery of a known result answers 200 and stores nothing new. Storage trouble answers 503
/// with `Retry-After`, never 200.
package struct WebhookReceiver: HTTPResponder, HTTPHeadInspector {
    private static let prefix = "/webhooks/runware/"
    private let store: any DeliveryStore
    private let token: WebhookToken
    private let ingestSignal: WorkSignal
    private let health: DaemonHealth
    private let metrics: DaemonMetrics
    private let clock: any DaemonClock
    private let logger: Logger
    private let router: Router

    init(
        store: any DeliveryStore, token: WebhookToken, ingestSignal: WorkSignal, health: DaemonHealth, metrics: DaemonMetrics,
        clock: any DaemonClock, logger: Logger
    ) {
        self.store = store
        self.token = token
        self.ingestSignal = ingestSignal
        self.health = health
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        var router = Router()
        router.add("GET", "/healthz") { _, _ in
            HTTPResponse.json(status: 200, body: Array(#"{"status":"ok"}"#.utf8))
        }
        self.router = router
    }

    /// The webhook listener: this receiver as both the server's head inspector and its responder.
    func listener(configuration: HTTPServerConfiguration, logger: Logger) -> HTTPServer {
        HTTPServer(configuration: configuration, responder: self, inspector: self, logger: logger)
    }

    /// Admits a webhook POST only with the task's token; every other request is admitted without
    /// a body (none of this listener's other routes reads one).
    package func inspect(_ request: HTTPRequest) -> HTTPHeadVerdict {
        guard request.path.hasPrefix(Self.prefix) else { return .admit(maxBodyBytes: 0) }
        guard request.method == "POST" else { return .refuse(Self.postOnly(request.method)) }
        let taskUUID = String(request.path.dropFirst(Self.prefix.count)).lowercased()
        guard token.isValid(request.query["token"], for: taskUUID) else {
            metrics.webhooksUnauthorized.increment()
            // Debug only: an attack sends these by the thousand; the metric is what operators watch.
            logger.debug("webhook with a missing or wrong token", metadata: [
                "task": "\(taskUUID)", "remote": "\(request.remoteAddress ?? "?")",
            ])
            return .refuse(HTTPResponse.error(status: 401, code: "invalid_token", message: "missing or invalid webhook token"))
        }
        return .admit(maxBodyBytes: nil)
    }

    /// Answers a request `inspect` admitted. The token was checked there, once per request, so
    /// the hot path computes one HMAC: never wire this responder without its inspector (use
    /// `listener(configuration:logger:)`).
    package func respond(to request: HTTPRequest) async -> HTTPResponse {
        guard request.path.hasPrefix(Self.prefix) else { return await router.respond(to: request) }
        guard request.method == "POST" else { return Self.postOnly(request.method) }
        let taskUUID = String(request.path.dropFirst(Self.prefix.count)).lowercased()
        return await receive(taskUUID: taskUUID, request: request)
    }

    private static func postOnly(_ method: String) -> HTTPResponse {
        HTTPResponse.error(
            status: 405, code: "method_not_allowed", message: "webhooks are POST only, got \(method)",
            extraHeaders: [HTTPHeader(name: "Allow", value: "POST")])
    }

    private func receive(taskUUID: String, request: HTTPRequest) async -> HTTPResponse {
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

        // The body is kept as received unless it carries inline images: those are stored once, as
        // each result's source, so the kept body has them elided (it was stored three times).
        var rawBody = request.body
        if results.contains(where: { $0.sourceKind != .url }), let parsed = try? JSONCoding.parse(request.body) {
            rawBody = JSONCoding.encode(parsed.elidingInlineImageData())
        }
        let outcome: DeliveryOutcome
        do {
            outcome = try await store.recordDelivery(
                taskUUID: taskUUID, source: .webhook, rawBody: rawBody, results: results, failures: failures,
                unrecognised: unrecognised.map(IncomingUnrecognised.init), at: clock.wallNow)
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
        if !outcome.refusedResults.isEmpty {
            metrics.resultsRefused(outcome.refusal ?? .resultLimit).increment(by: outcome.refusedResults.count)
            logger.notice(
                "webhook results refused",
                metadata: [
                    "task": "\(taskUUID)", "refused": "\(outcome.refusedResults.count)",
                    "reason": "\(outcome.refusal?.rawValue ?? "")", "task_state": "\(outcome.state.rawValue)",
                ])
        }
        if let refusal = outcome.refusal, outcome.newResults.isEmpty, outcome.failuresRecorded == 0 {
            // Nothing new was taken and something was refused: say so, with a stable code.
            let message = refusal == .taskFinal
                ? "task \(taskUUID) is \(outcome.state.rawValue); further results are not taken"
                : "task \(taskUUID) already has every result it asked for; further results are not taken"
            return HTTPResponse.error(status: 409, code: refusal.rawValue, message: message)
        }
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
            "refusedResults": .integer(Int64(outcome.refusedResults.count)),
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
