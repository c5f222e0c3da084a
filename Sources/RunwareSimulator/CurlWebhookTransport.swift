import KontextNet

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
