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
