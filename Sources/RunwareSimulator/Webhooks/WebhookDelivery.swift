import KontextNet
import Logging

/// Delivers one webhook body to one URL, re-sending per `WebhookRetryPolicy` until a 2xx
/// answer, the attempt limit, or cancellation (simulator stopped).
struct WebhookDelivery: Sendable {
    let transport: any WebhookTransport
    let policy: WebhookRetryPolicy
    let timeout: Double
    let logger: Logger

    /// Runs the attempts; `recordAttempt` is called before each one so tests can count them, and
    /// `recordOutcome` after each one with its number (from 1) and outcome.
    /// Returns whether the receiver took the body.
    @discardableResult
    func deliver(
        body: [UInt8], to url: String, key: String, recordAttempt: @Sendable () -> Void,
        recordOutcome: @Sendable (Int, WebhookAttemptOutcome) -> Void = { _, _ in }
    ) async -> Bool {
        var random = SystemRandomNumberGenerator()
        for attempt in 1...max(1, policy.maximumAttempts) {
            if Task.isCancelled { return false }
            recordAttempt()
            let outcome = await transport.post(url: url, body: body, timeout: timeout)
            recordOutcome(attempt, outcome)
            if outcome.isDelivered { return true }
            logger.info("webhook not accepted", metadata: [
                "key": "\(key)", "attempt": "\(attempt)", "outcome": "\(outcome)", "url": "\(url)",
            ])
            guard attempt < policy.maximumAttempts else { break }
            let wait = policy.delay(afterAttempt: attempt, using: &random)
            do {
                try await Task.sleep(for: .milliseconds(Int64((wait * 1000).rounded())))
            } catch {
                return false
            }
        }
        logger.warning("webhook dropped after all attempts", metadata: ["key": "\(key)", "url": "\(QueryRedaction.redacting(url))"])
        return false
    }
}

/// How the simulator shapes each webhook body. Runware's real shape is not published, so the
/// daemon must accept both; the simulator can produce either (protocol notes, "Webhooks").
package enum WebhookBodyVariant: String, Sendable, Hashable, CaseIterable {
    /// The result object itself: `{"taskType":"imageInference","imageUUID":...}`; a failed task
    /// is a bare object with `"status":"error"`.
    case bare
    /// The result inside an envelope: `{"data":[result]}`; a failed task is `{"errors":[error]}`.
    case wrapped
}
