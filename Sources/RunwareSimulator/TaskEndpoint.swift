import Foundation
import KontextCore

/// Runware's single endpoint, `POST /v1`: authenticates the request, runs each task element in
/// order and answers with Runware's envelope (`data`, `errors`, or both).
///
/// Status: 401 for a missing or wrong API key, 400 when the body is not a non-empty JSON array
/// or when every task failed, 200 otherwise.
///
/// Dry run (`X-Runware-Dry-Run: 1`): each `imageInference` task is validated and priced
/// (`{"taskType","taskUUID","cost"}`) but neither run nor remembered, so no conflict follows.
struct TaskEndpoint: Sendable {
    let service: SimulatedRunware

    /// The answer to one `POST /v1`.
    struct Reply: Sendable {
        let status: Int
        let body: JSONValue
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

        var data: [JSONValue] = []
        var errors: [JSONValue] = []
        var anySucceeded = false
        for element in elements {
            let outcome = await run(element, dryRun: dryRun)
            data += outcome.data
            errors += outcome.errors
            if !outcome.data.isEmpty { anySucceeded = true }
        }
        var envelope: [String: JSONValue] = [:]
        if !data.isEmpty { envelope["data"] = .array(data) }
        if !errors.isEmpty { envelope["errors"] = .array(errors) }
        return Reply(status: anySucceeded ? 200 : 400, body: .object(envelope))
    }

    private typealias Outcome = (data: [JSONValue], errors: [JSONValue])

    private func run(_ element: JSONValue, dryRun: Bool) async -> Outcome {
        guard element.objectValue != nil else {
            return ([], [RunwareErrorObject(
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
            return ([], [RunwareErrorObject(
                code: taskType == nil ? "missingTaskType" : "invalidTaskType",
                message: "Unsupported taskType \(shown); this service handles imageInference and getResponse.",
                parameter: "taskType", taskType: taskType, taskUUID: element["taskUUID"]?.stringValue,
                documentation: RunwareErrorObject.documentationBase
            ).jsonValue])
        }
    }

    private func submit(_ element: JSONValue, dryRun: Bool) async -> Outcome {
        service.countSubmission()
        let rawTaskUUID = element["taskUUID"]?.stringValue
        let task: ImageInferenceTask
        switch TaskValidator.validate(element, origin: .runware) {
        case .failure(let error):
            return ([], error.issues.map { RunwareErrorObject.invalidParameter($0, taskUUID: rawTaskUUID).jsonValue })
        case .success(let valid):
            task = valid
        }
        let taskUUID = (task.taskUUID ?? rawTaskUUID ?? "").lowercased()
        let hooks = SimulatorHook.hooks(in: task.positivePrompt)
        if hooks.contains(.reject) {
            return ([], [RunwareErrorObject(
                code: "invalidContent",
                message: "The positivePrompt was flagged by content moderation and the task was not run.",
                parameter: "positivePrompt", taskType: "imageInference", taskUUID: taskUUID,
                documentation: RunwareErrorObject.documentationBase + "#request-positiveprompt"
            ).jsonValue])
        }
        if dryRun {
            let cost = Double(task.numberResults) * service.configuration.costPerImage
            return ([.object([
                "taskType": .string("imageInference"), "taskUUID": .string(taskUUID), "cost": .double(cost),
            ])], [])
        }
        switch service.accept(task, taskUUID: taskUUID, hooks: hooks) {
        case .conflict:
            return ([], [RunwareErrorObject(
                code: "conflictTaskUUID",
                message: "A task with taskUUID \(taskUUID) was already submitted; use a new UUID or ask getResponse.",
                parameter: "taskUUID", taskType: "imageInference", taskUUID: taskUUID,
                documentation: RunwareErrorObject.documentationBase + "#request-taskuuid"
            ).jsonValue])
        case .accepted(let record, let work):
            if record.isAsynchronous {
                return ([record.acknowledgement], [])
            }
            await work?.value
            guard let finished = service.task(taskUUID) else { return ([], []) }
            return (finished.results, finished.failure.map { [$0.jsonValue] } ?? [])
        }
    }

    private func poll(_ element: JSONValue) -> Outcome {
        guard let taskUUID = element["taskUUID"]?.stringValue?.lowercased() else {
            return ([], [RunwareErrorObject(
                code: "missingTaskUUID", message: "getResponse needs the taskUUID of the task to report on.",
                parameter: "taskUUID", taskType: "getResponse", documentation: RunwareErrorObject.documentationBase
            ).jsonValue])
        }
        guard let record = service.task(taskUUID) else {
            return ([], [RunwareErrorObject(
                code: "invalidTaskUUID", message: "No task with taskUUID \(taskUUID) is known.",
                parameter: "taskUUID", taskType: "getResponse", taskUUID: taskUUID,
                documentation: RunwareErrorObject.documentationBase
            ).jsonValue])
        }
        return record.cumulativeState
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
