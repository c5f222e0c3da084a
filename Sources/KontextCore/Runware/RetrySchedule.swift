/// Exponential backoff with jitter: the wait before attempt `n + 1` after `n` failures.
package struct RetrySchedule: Sendable, Hashable {
    /// Wait after the first failure, in seconds.
    package var initial: Double
    /// Upper bound of any single wait, in seconds.
    package var maximum: Double
    /// Up to this fraction of the wait is added at random, so many clients do not retry in step.
    package var jitter: Double

    /// Submissions without a verdict (429, 503, 504, timeouts): 1 s doubling to 60 s.
    package static let transientSubmission = RetrySchedule(initial: 1, maximum: 60)
    /// Submission paused by a 401/402: 30 s doubling to 5 minutes, until someone fixes the key or the balance.
    package static let pausedSubmission = RetrySchedule(initial: 30, maximum: 300)
    /// Image downloads that failed transiently: 1 s doubling to 60 s.
    package static let imageFetch = RetrySchedule(initial: 1, maximum: 60)

    package init(initial: Double, maximum: Double, jitter: Double = 0.25) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The delay after `failures` consecutive failures (1 = the first), honouring a server's
    /// `Retry-After` when it asks for longer (capped at an hour). `jitterDraw` (0…1) picks the
    /// share of the jitter added; it is random unless a test fixes it.
    package func delay(afterFailures failures: Int, retryAfter: Double? = nil, jitterDraw: Double = Double.random(in: 0...1)) -> Double {
        let doublings = max(0, min(failures - 1, 30))
        var base = initial
        for _ in 0..<doublings where base < maximum { base *= 2 }
        base = min(maximum, base)
        let withJitter = base + base * jitter * min(1, max(0, jitterDraw))
        guard let retryAfter, retryAfter > withJitter else { return withJitter }
        return min(retryAfter, 3600)
    }
}
