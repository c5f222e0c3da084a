import Foundation
import KontextCore
import KontextNet

/// Talks to a daemon's admin API over HTTP (libcurl), for the CLI and the demo.
struct AdminClient: Sendable {
    let baseURL: String
    let http: CurlHTTPClient
    /// The admin API's bearer token, sent as `Authorization: Bearer` when set.
    let token: String?

    init(
        baseURL: String, token: String? = nil,
        http: CurlHTTPClient = CurlHTTPClient(configuration: .init(threads: 1, userAgent: "kontextd-cli"))
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.http = http
    }

    /// The status code and the JSON body of a request.
    func call(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> (status: Int, body: JSONValue) {
        var headers: [HTTPHeader] = []
        if body != nil { headers.append(HTTPHeader(name: "Content-Type", value: "application/json")) }
        if let token { headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)")) }
        let request = HTTPClientRequest(
            method: method, url: baseURL + path, headers: headers,
            body: body.map(JSONCoding.encode), timeout: 30)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw CommandFailure.unreachable("cannot reach the daemon at \(baseURL): \(error)")
        }
        guard let json = try? JSONCoding.parse(response.body) else {
            throw CommandFailure.unreachable("\(method) \(path) answered \(response.status) with a body that is not JSON")
        }
        return (response.status, json)
    }

    /// The `{"error":{...}}` message of an error answer, with validation issues one a line.
    static func errorMessage(_ body: JSONValue, status: Int) -> String {
        let error = body["error"]
        var text = "\(error?["code"]?.stringValue ?? "http_\(status)")"
        if let issues = error?["issues"]?.arrayValue, !issues.isEmpty {
            text += ":\n" + issues.map { issue in
                "  \(issue["field"]?.stringValue ?? "?"): \(issue["rule"]?.stringValue ?? "?"), got \(issue["value"]?.stringValue ?? "?")"
            }.joined(separator: "\n")
        } else {
            text += ": \(error?["message"]?.stringValue ?? "")"
        }
        return text
    }

    func shutdown() { http.close() }
}
