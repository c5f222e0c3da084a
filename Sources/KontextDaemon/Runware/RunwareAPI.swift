import Foundation
import KontextCore
import KontextNet

/// Runware's one REST endpoint: `POST /v1` with a JSON array of tasks and a Bearer key.
struct RunwareAPI: Sendable {
    /// What one call produced: the HTTP status, the parsed envelope (nil when the body is not a
    /// Runware envelope), the raw body and a `Retry-After` hint in seconds.
    struct Answer: Sendable {
        let status: Int
        let envelope: RunwareEnvelope?
        let body: [UInt8]
        let retryAfter: Double?
    }

    let client: CurlHTTPClient
    let configuration: DaemonConfiguration.Runware

    /// Sends `tasks` in one request.
    func post(_ tasks: [JSONValue]) async throws(HTTPClientError) -> Answer {
        let request = HTTPClientRequest(
            method: "POST", url: configuration.apiURL,
            headers: [
                HTTPHeader(name: "Content-Type", value: "application/json"),
                HTTPHeader(name: "Authorization", value: "Bearer \(configuration.apiKey)"),
            ],
            body: JSONCoding.encode(.array(tasks)), timeout: configuration.requestTimeout)
        let response = try await client.execute(request)
        return Answer(
            status: response.status, envelope: try? RunwareEnvelope.parse(response.body), body: response.body,
            retryAfter: response.header("retry-after").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) })
    }

    /// Asks for the cumulative state of each task (`getResponse`), in one request.
    func getResponse(_ taskUUIDs: [String]) async throws(HTTPClientError) -> Answer {
        try await post(taskUUIDs.map { .object(["taskType": .string("getResponse"), "taskUUID": .string($0)]) })
    }
}

extension RunwareAPI.Answer {
    /// What this answer says about each task it mentions: results, failures, and whether it was
    /// mentioned at all (an acknowledgement or a still-processing item counts).
    func news() -> [String: TaskNews] {
        var byTask: [String: TaskNews] = [:]
        for item in envelope?.items ?? [] {
            switch item {
            case .result(let result):
                byTask[result.taskUUID.lowercased(), default: TaskNews()].results.append(result)
            case .failure(let error):
                if let uuid = error.taskUUID?.lowercased() { byTask[uuid, default: TaskNews()].failures.append(error) }
            case .pending(let uuid, _, _):
                byTask[uuid.lowercased(), default: TaskNews()].mentioned = true
            }
        }
        return byTask
    }

    /// Errors not tied to any task.
    var unattributedFailures: [RunwareError] {
        (envelope?.failures ?? []).filter { $0.taskUUID == nil }
    }
}

/// What one Runware answer says about one task.
struct TaskNews: Sendable {
    var results: [ImageResult] = []
    var failures: [RunwareError] = []
    var mentioned = false

    /// True when the answer shows Runware has the task (it is running, has results, or failed
    /// while running), as opposed to not knowing it.
    var runwareHasTask: Bool {
        mentioned || !results.isEmpty || failures.contains { !RunwareErrorCodes.meansUnknownTask($0.code) }
    }
}

/// Runware error codes kontextd treats specially.
enum RunwareErrorCodes {
    /// A resend of a task Runware already has: the first send went through.
    static let conflictTaskUUID = "conflictTaskUUID"

    /// True for codes that say Runware does not know the task (asked with `getResponse`).
    static func meansUnknownTask(_ code: String) -> Bool {
        let lowered = code.lowercased()
        return lowered == "invalidtaskuuid" || lowered.contains("notfound") || lowered == "unknowntask"
            || lowered == "tasknotfound"
    }
}
