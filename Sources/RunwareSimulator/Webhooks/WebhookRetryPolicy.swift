/// When the simulator re-delivers a webhook that was not answered with 2xx: Runware's guide
/// says the first retry comes after 250 ms, each wait doubles, capped at 8 s, with jitter.
package struct WebhookRetryPolicy: Sendable, Hashable {
    /// Wait before the first retry, in seconds.
    package var initialDelay: Double
    /// Longest wait between two attempts, in seconds.
    package var maximumDelay: Double
    /// Fraction of each wait added or removed at random (0.2 means ±20 %).
    package var jitter: Double
    /// Attempts in total, the first delivery included; after the last one the result is dropped.
    package var maximumAttempts: Int

    /// Runware's published policy: 250 ms doubling to 8 s, ±20 % jitter, 10 attempts.
    package init(initialDelay: Double = 0.25, maximumDelay: Double = 8, jitter: Double = 0.2, maximumAttempts: Int = 10) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.jitter = jitter
        self.maximumAttempts = maximumAttempts
    }

    /// The wait before attempt `attempt + 1`, after `attempt` (1-based) failed, without jitter.
    package func baseDelay(afterAttempt attempt: Int) -> Double {
        let doublings = max(0, min(attempt - 1, 30))
        return min(maximumDelay, initialDelay * Double(1 << doublings))
    }

    /// The jittered wait before the next attempt; never negative.
    package func delay(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Double {
        let base = baseDelay(afterAttempt: attempt)
        guard jitter > 0 else { return base }
        return max(0, base * (1 + Double.random(in: -jitter...jitter, using: &random)))
    }
}
