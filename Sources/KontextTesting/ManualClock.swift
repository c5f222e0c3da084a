import KontextCore
import Synchronization

/// A `DaemonClock` that moves only when a test says so.
///
/// `sleep` suspends until `advance(by:)` moves monotonic time past the sleeper's deadline (or
/// its task is cancelled); `sleepers` and `waitForSleepers(_:)` let a test wait for the code
/// under test to be asleep before advancing, an observable event instead of a guess.
package final class ManualClock: DaemonClock {
    private struct Sleeper {
        let deadline: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var elapsed: Duration = .zero
        var wall: Double
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var sleeperWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let origin = ContinuousClock.now
    private let state: Mutex<State>

    /// Creates a clock whose wall time starts at `wall` (seconds since 1970).
    package init(wall: Double = 1_800_000_000) {
        state = Mutex(State(wall: wall))
    }

    package var now: ContinuousClock.Instant { origin + state.withLock { $0.elapsed } }

    package var wallNow: Double { state.withLock { $0.wall } }

    /// How many tasks are asleep on this clock now.
    package var sleepers: Int { state.withLock { $0.sleepers.count } }

    package func sleep(for duration: Duration) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> (resume: Bool, waiters: [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled { return (true, []) }
                    if duration <= .zero { return (true, []) }
                    state.sleepers[id] = Sleeper(deadline: state.elapsed + duration, continuation: continuation)
                    return (false, Self.satisfiedWaiters(&state))
                }
                for waiter in outcome.waiters { waiter.resume() }
                if outcome.resume {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves monotonic and wall time forward by `duration`, waking every sleeper now due.
    package func advance(by duration: Duration) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.elapsed += duration
            state.wall += duration.secondsValue
            let due = state.sleepers.filter { $0.value.deadline <= state.elapsed }
            for id in due.keys { state.sleepers.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Moves only the wall time (an NTP step, `date -s`): monotonic deadlines must not move.
    package func jumpWallClock(by seconds: Double) {
        state.withLock { $0.wall += seconds }
    }

    /// Returns once at least `count` tasks are asleep on this clock.
    package func waitForSleepers(_ count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.sleeperWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func satisfiedWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = state.sleepers.count
        let ready = state.sleeperWaiters.filter { $0.count <= count }.map(\.continuation)
        state.sleeperWaiters.removeAll { $0.count <= count }
        return ready
    }
}
