/// Exponential backoff with jitter: the wait before attempt `n + 1` after `n` failures.
public struct RetrySchedule: Sendable, Hashable {
    /// Wait after the first failure, in seconds.
    public var initial: Double
    /// Upper bound of any single wait, in seconds.
    public var maximum: Double
    /// Up to this fraction of the wait is added at random, so many clients do not retry in step.
    public var jitter: Double

    public init(initial: Double, maximum: Double, jitter: Double = 0.25) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = jitter
    }

    /// The delay after `failures` consecutive failures (1 = the first), honouring a server's
    /// `Retry-After` when it asks for longer.
    public func delay(afterFailures failures: Int, retryAfter: Double? = nil) -> Double {
        let exponent = Double(max(0, min(failures - 1, 30)))
        let base = min(maximum, initial * pow2(exponent))
        let withJitter = base + base * jitter * Double.random(in: 0...1)
        guard let retryAfter, retryAfter > withJitter else { return withJitter }
        return min(retryAfter, 3600)
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
