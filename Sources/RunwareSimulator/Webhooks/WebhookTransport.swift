import KontextNet

/// How the simulator POSTs one webhook body; abstracted so delivery and retry logic do not
/// depend on a particular HTTP client.
protocol WebhookTransport: Sendable {
    /// POSTs `body` as `application/json` to `url` and reports the outcome; never throws.
    func post(url: String, body: [UInt8], timeout: Double) async -> WebhookAttemptOutcome
}

/// What one webhook POST came to.
enum WebhookAttemptOutcome: Sendable, Equatable {
    /// The receiver answered with this HTTP status.
    case answered(status: Int)
    /// No answer: connection refused, timeout, reset; the text says which.
    case failed(String)

    /// Only a 2xx answer ends the retries.
    var isDelivered: Bool {
        if case .answered(let status) = self { return (200..<300).contains(status) }
        return false
    }
}

/// Webhook POSTs over the project's libcurl client.
struct CurlWebhookTransport: WebhookTransport {
    let client: CurlHTTPClient

    func post(url: String, body: [UInt8], timeout: Double) async -> WebhookAttemptOutcome {
        let request = HTTPClientRequest(
            method: "POST", url: url, headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
            body: body, timeout: timeout)
        do {
            let response = try await client.execute(request)
            return .answered(status: response.status)
        } catch {
            return .failed("\(error.kind.rawValue): \(error.message)")
        }
    }
}
