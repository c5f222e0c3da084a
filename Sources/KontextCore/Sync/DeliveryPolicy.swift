/// When a downstream delivery that failed is tried again, and when it is given up on.
///
/// Exponential backoff with jitter: the n-th failure waits `initial × 2^(n-1)`, capped at
/// `maximum`, times a factor in [0.5, 1) drawn per failure so a sink that comes back is not hit
/// by every waiting delivery at the same instant. A delivery becomes a dead letter after
/// `maxAttempts` failures or once its event is older than `maxAge` seconds; an operator puts
/// dead letters back with `kontextd sync retry`.
package struct DeliveryPolicy: Sendable, Hashable {
    package var initialDelay: Double
    package var maximumDelay: Double
    package var maxAttempts: Int
    package var maxAge: Double

    package init(initialDelay: Double = 1, maximumDelay: Double = 300, maxAttempts: Int = 20, maxAge: Double = 7 * 86_400) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    /// What to do after a failed attempt.
    package enum Decision: Sendable, Hashable {
        /// Try again at this time.
        case retry(at: Double)
        /// Give up: the delivery is a dead letter.
        case deadLetter
    }

    /// The decision after the `attempts`-th failure (counting this one) of an event recorded at
    /// `eventTime`, now; `jitter` is uniform in [0, 1).
    package func afterFailure(attempts: Int, eventTime: Double, now: Double, jitter: Double) -> Decision {
        if attempts >= maxAttempts || now - eventTime >= maxAge { return .deadLetter }
        return .retry(at: now + delay(afterFailures: attempts, jitter: jitter))
    }

    /// The wait after `failures` consecutive failures (at least 1).
    package func delay(afterFailures failures: Int, jitter: Double) -> Double {
        // 2^62 already passes any sane maximum; bounding the exponent keeps the shift from trapping.
        let exponent = min(max(failures, 1) - 1, 62)
        let base = min(maximumDelay, initialDelay * Double(UInt64(1) << UInt64(exponent)))
        let factor = 0.5 + 0.5 * min(max(jitter, 0), 1)
        return base * factor
    }
}
