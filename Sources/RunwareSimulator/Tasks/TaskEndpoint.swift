import Foundation
import KontextCore
import KontextNet

/// Runware's single endpoint, `POST /v1`: authenticates the request, runs each task element in
/// order and answers with Runware's envelope (`data`, `errors`, or both).
///
/// Status: 401 for a missing or wrong API key, 400 when the body is not a non-empty JSON array
/// or when every task failed, 200 otherwise.
///
/// Dry run (`X-Runware-Dry-Run: 1`): each `imageInference` task is validated and priced
/// (`{"taskType","taskUUID","cost"}`) but neither run nor remembered, so no conflict follows.
///
/// Faults (`FaultPlan`), drawn per submission, i.e. per authenticated request carrying at least
/// one `imageInference` task and not a dry run: refusal with 429/503/504 before anything is
/// accepted; acceptance with the answer held back or never sent; and, per task with a
/// `webhookURL`, the answer held until one of the task's webhooks was answered.
struct TaskEndpoint: Sendable {
    let service: SimulatedRunware

    /// The answer to one `POST /v1`.
    struct Reply: Sendable {
        let status: Int
        let body: JSONValue
        var headers: [HTTPHeader] = []
        /// How the answer reaches the client; `.whole` unless a fault says otherwise.
        var delivery: HTTPWireDelivery = .whole
    }

    /// Handles a request body given the `Authorization` header (if any).
    func respond(authorization: String?, body: [UInt8], dryRun: Bool = false) async -> Reply {
        let parsed: JSONValue
        do {
            parsed = try JSONCoding.parse(body)
        } catch {
            return Self.requestError("The request body is not valid JSON (\(error.message)); send a JSON array of tasks.")
        }
        guard var elements = parsed.arrayValue else {
            return Self.requestError("The request body must be a JSON array of tasks, got \(parsed.typeName).")
        }
        var presentedKeys: [String] = []
        if let bearer = Self.bearerToken(authorization) { presentedKeys.append(bearer) }
        let hasAuthenticationElement = elements.first?["taskType"]?.stringValue == "authentication"
        if hasAuthenticationElement {
            if let key = elements.first?["apiKey"]?.stringValue { presentedKeys.append(key) }
            elements.removeFirst()
        }
        guard presentedKeys.contains(service.configuration.apiKey) else {
            return Reply(status: 401, body: .object(["errors": .array([RunwareErrorObject.invalidAPIKey.jsonValue])]))
        }
        guard !elements.isEmpty else {
            if hasAuthenticationElement {
                return Reply(status: 200, body: .object(["data": .array([.object(["taskType": .string("authentication")])])]))
            }
            return Self.requestError("The request contains no tasks.")
        }

        let isPoll = elements.allSatisfy { $0["taskType"]?.stringValue == "getResponse" }
        if isPoll, let status = service.faults.pollError() {
            return pollFailure(status: status)
        }
        let isSubmission = !dryRun && elements.contains { $0["taskType"]?.stringValue == "imageInference" }
        let fault = isSubmission ? service.faults.submissionFault() : nil
        if case .refuse(let status) = fault {
            return refuse(elements, status: status)
        }

        var data: [JSONValue] = []
        var errors: [JSONValue] = []
        var anySucceeded = false
        var webhookBeforeAck: [String] = []
        for element in elements {
            let outcome = await run(element, dryRun: dryRun)
            data += outcome.data
            errors += outcome.errors
            if !outcome.data.isEmpty { anySucceeded = true }
            webhookBeforeAck += outcome.holdForWebhook
        }
        for taskUUID in webhookBeforeAck {
            let configuration = service.configuration
            let bound = configuration.generationDelay + configuration.resultInterval + configuration.webhookTimeout
                + max(0, service.faults.plan.maxWebhookDelay) + 10
            if await service.awaitWebhookAttempt(taskUUID: taskUUID, within: bound) {
                service.faults.record(.webhookBeforeAck)
            }
        }
        var envelope: [String: JSONValue] = [:]
        if !data.isEmpty { envelope["data"] = .array(data) }
        if !errors.isEmpty { envelope["errors"] = .array(errors) }
        var reply = Reply(status: anySucceeded ? 200 : 400, body: .object(envelope))
        switch fault {
        case .hang(let seconds):
            service.faults.record(.submitTimeout)
            reply.delivery = .held(seconds: seconds)
        case .dropAfterAccept:
            service.faults.record(.submitDroppedAfterAccept)
            reply.delivery = .closeWithoutResponse
        case .refuse, nil:
            break
        }
        return reply
    }

    /// The transient refusal of a whole submission: one error per task, nothing accepted.
    /// Codes are ASSUMED (Runware publishes the statuses, not the codes).
    private func refuse(_ elements: [JSONValue], status: Int) -> Reply {
        service.faults.record(.submitError)
        let (code, message, retryAfter): (String, String, String?) =
            switch status {
            case 429: ("queueCapacityExceeded", "The queue for this model is full; retry with backoff.", "1")
            case 503: ("serviceUnavailable", "The service is temporarily unavailable; retry with backoff.", "1")
            default: ("queueWaitTimeout", "The task waited too long in the queue and was not run; retry with backoff.", nil)
            }
        var errors: [JSONValue] = []
        for element in elements where element["taskType"]?.stringValue == "imageInference" {
            let taskUUID = element["taskUUID"]?.stringValue
            service.countSubmission(taskUUID: taskUUID)
            errors.append(RunwareErrorObject(
                code: code, message: message, taskType: "imageInference", taskUUID: taskUUID?.lowercased(),
                documentation: "https://runware.ai/docs/en/getting-started/rate-limits"
            ).jsonValue)
        }
        return Reply(
            status: status, body: .object(["errors": .array(errors)]),
            headers: retryAfter.map { [HTTPHeader(name: "Retry-After", value: $0)] } ?? [])
    }

    /// A `getResponse` request answered with an HTTP failure instead of the envelope: 404 with a
    /// body that is not an envelope (a JSON string, as a proxy's error page would be read), or
    /// Runware's error envelope for 500/502/503.
    private func pollFailure(status: Int) -> Reply {
        service.faults.record(.pollError)
        guard status != 404 else { return Reply(status: 404, body: .string("404 page not found")) }
        let code = status == 503 ? "serviceUnavailable" : "internalServerError"
        return Reply(status: status, body: .object(["errors": .array([RunwareErrorObject(
            code: code, message: "getResponse could not be answered now; retry.", taskType: "getResponse",
            documentation: RunwareErrorObject.documentationBase
        ).jsonValue])]))
    }

    /// What one element produced, and the accepted task whose webhook the answer must wait for.
    private struct Outcome {
        var data: [JSONValue]
        var errors: [JSONValue]
        var holdForWebhook: [String] = []

        init(_ data: [JSONValue], _ errors: [JSONValue], holdForWebhook: [String] = []) {
            self.data = data
            self.errors = errors
            self.holdForWebhook = holdForWebhook
        }

        init(_ pair: (data: [JSONValue], errors: [JSONValue])) {
            self.init(pair.data, pair.errors)
        }
    }

    private func run(_ element: JSONValue, dryRun: Bool) async -> Outcome {
        guard element.objectValue != nil else {
            return Outcome([], [RunwareErrorObject(
                code: "invalidTask", message: "Each task must be a JSON object, got \(element.typeName).",
                documentation: RunwareErrorObject.documentationBase
            ).jsonValue])
        }
        let taskType = element["taskType"]?.stringValue
        switch taskType {
        case "imageInference":
            return await submit(element, dryRun: dryRun)
        case "getResponse":
            return poll(element)
        default:
            let shown = taskType.map { "'\($0)'" } ?? "missing"
            return Outcome([], [RunwareErrorObject(
                code: taskType == nil ? "missingTaskType" : "invalidTaskType",
                message: "Unsupported taskType \(shown); this service handles imageInference and getResponse.",
                parameter: "taskType", taskType: taskType, taskUUID: element["taskUUID"]?.stringValue,
                documentation: RunwareErrorObject.documentationBase
            ).jsonValue])
        }
    }

    private func submit(_ element: JSONValue, dryRun: Bool) async -> Outcome {
        service.countSubmission(taskUUID: element["taskUUID"]?.stringValue)
        let rawTaskUUID = element["taskUUID"]?.stringValue
        let task: ImageInferenceTask
        switch TaskValidator.validate(element, origin: .runware) {
        case .failure(let error):
            return Outcome([], error.issues.map { RunwareErrorObject.invalidParameter($0, taskUUID: rawTaskUUID).jsonValue })
        case .success(let valid):
            task = valid
        }
        let taskUUID = (task.taskUUID ?? rawTaskUUID ?? "").lowercased()
        let hooks = SimulatorHook.hooks(in: task.positivePrompt)
        if hooks.contains(.reject) {
            return Outcome([], [RunwareErrorObject(
                code: "invalidContent",
                message: "The positivePrompt was flagged by content moderation and the task was not run.",
                parameter: "positivePrompt", taskType: "imageInference", taskUUID: taskUUID,
                documentation: RunwareErrorObject.documentationBase + "#request-positiveprompt"
            ).jsonValue])
        }
        if dryRun {
            let cost = Double(task.numberResults) * service.configuration.costPerImage
            return Outcome([.object([
                "taskType": .string("imageInference"), "taskUUID": .string(taskUUID), "cost": .double(cost),
            ])], [])
        }
        switch service.accept(task, taskUUID: taskUUID, hooks: hooks) {
        case .conflict:
            return Outcome([], [RunwareErrorObject(
                code: "conflictTaskUUID",
                message: "A task with taskUUID \(taskUUID) was already submitted; use a new UUID or ask getResponse.",
                parameter: "taskUUID", taskType: "imageInference", taskUUID: taskUUID,
                documentation: RunwareErrorObject.documentationBase + "#request-taskuuid"
            ).jsonValue])
        case .accepted(let record, let work):
            if record.isAsynchronous {
                let hold = task.webhookURL != nil && service.faults.webhookBeforeAck()
                return Outcome([record.acknowledgement], [], holdForWebhook: hold ? [taskUUID] : [])
            }
            await work?.value
            guard let finished = service.task(taskUUID) else { return Outcome([], []) }
            return Outcome(finished.results, finished.failure.map { [$0.jsonValue] } ?? [])
        }
    }

    private func poll(_ element: JSONValue) -> Outcome {
        guard let taskUUID = element["taskUUID"]?.stringValue?.lowercased() else {
            return Outcome([], [RunwareErrorObject(
                code: "missingTaskUUID", message: "getResponse needs the taskUUID of the task to report on.",
                parameter: "taskUUID", taskType: "getResponse", documentation: RunwareErrorObject.documentationBase
            ).jsonValue])
        }
        // Unknown: runware-sdk 1.8 maps every *NotFound code to a terminal not-found; the fault
        // plan may say taskFailedOrNotFound instead (for failed tasks too), as the SDK also knows.
        let ambiguous = RunwareErrorObject(
            code: "taskFailedOrNotFound", message: "Task \(taskUUID) failed or does not exist.",
            parameter: "taskUUID", taskType: "getResponse", taskUUID: taskUUID, documentation: RunwareErrorObject.documentationBase)
        guard let state = service.pollState(taskUUID) else {
            if service.faults.failedOrNotFound() {
                service.faults.record(.failedOrNotFound)
                return Outcome([], [ambiguous.jsonValue])
            }
            return Outcome([], [RunwareErrorObject(
                code: "taskNotFound", message: "No task with taskUUID \(taskUUID) is known.",
                parameter: "taskUUID", taskType: "getResponse", taskUUID: taskUUID,
                documentation: RunwareErrorObject.documentationBase
            ).jsonValue])
        }
        if service.task(taskUUID)?.failure != nil, service.faults.failedOrNotFound() {
            service.faults.record(.failedOrNotFound)
            return Outcome(state.data.filter { $0["status"]?.stringValue != "error" }, [ambiguous.jsonValue])
        }
        return Outcome(state)
    }

    private static func requestError(_ message: String) -> Reply {
        Reply(status: 400, body: .object(["errors": .array([RunwareErrorObject(
            code: "invalidRequestBody", message: message,
            documentation: "https://runware.ai/docs/en/getting-started/how-to-connect"
        ).jsonValue])]))
    }

    /// The token of an `Authorization: Bearer <token>` header (scheme in any case).
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bearer ") else { return nil }
        let token = trimmed.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
