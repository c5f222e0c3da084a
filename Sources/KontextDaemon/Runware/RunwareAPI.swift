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

    /// Sends `tasks` in one request. A submission goes on a fresh connection: libcurl resends a
    /// request by itself when a reused connection dies unanswered, and a hidden second copy of a
    /// first send would come back `conflictTaskUUID`, which kontextd reads as "the UUID is
    /// someone else's". `getResponse` (asking, not sending) reuses connections.
    func post(_ tasks: [JSONValue]) async throws(HTTPClientError) -> Answer {
        var request = HTTPClientRequest(
            method: "POST", url: configuration.apiURL,
            headers: [
                HTTPHeader(name: "Content-Type", value: "application/json"),
                HTTPHeader(name: "Authorization", value: "Bearer \(configuration.apiKey)"),
            ],
            body: JSONCoding.encode(.array(tasks)), timeout: configuration.requestTimeout)
        request.freshConnection = tasks.contains { $0["taskType"]?.stringValue != "getResponse" }
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
    /// What this answer says about each task it mentions (lowercased UUIDs).
    func news() -> [String: RunwareTaskNews] {
        RunwareTaskNews.byTask(envelope)
    }

    /// Errors not tied to any task.
    var unattributedFailures: [RunwareError] {
        (envelope?.failures ?? []).filter { $0.taskUUID == nil }
    }
}
