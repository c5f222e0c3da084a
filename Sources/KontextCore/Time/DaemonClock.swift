import Foundation

/// Time as kontextd's logic sees it, injected so tests control it.
///
/// Two kinds of time, never mixed: **monotonic** instants (`now`, `sleep`) for deadlines,
/// waits and backoff, which a wall-clock jump (NTP step, an operator's `date -s`) cannot move;
/// and **wall** time (`wallNow`, seconds since 1970) only for what is recorded and shown
/// (`createdAt`, `receivedAt`, the reconciler's comparison with a recorded `submittedAt`).
/// `SystemClock` is the real one; tests drive `ManualClock` from the KontextTesting target.
package protocol DaemonClock: Sendable {
    /// A monotonic instant: only differences between two of them mean anything.
    var now: ContinuousClock.Instant { get }
    /// Wall time in seconds since 1970, for what is recorded.
    var wallNow: Double { get }
    /// Suspends for `duration` of this clock's monotonic time; throws `CancellationError` when
    /// the task is cancelled first.
    func sleep(for duration: Duration) async throws
}

/// The system's clocks: `ContinuousClock` (monotonic, counts suspended time) and `Date`.
package struct SystemClock: DaemonClock {
    /// Creates the system clock.
    package init() {}

    package var now: ContinuousClock.Instant { ContinuousClock.now }

    package var wallNow: Double { Date().timeIntervalSince1970 }

    package func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration, clock: .continuous)
    }
}

extension Duration {
    /// A duration of `seconds` (fractional allowed; negative and NaN become zero, huge values a
    /// century, so a configuration value can never trap a conversion).
    package static func seconds(clamping seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return .zero }
        return .milliseconds(Int64(min(seconds, 3_153_600_000) * 1000))
    }

    /// This duration in seconds, as a `Double`.
    package var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
