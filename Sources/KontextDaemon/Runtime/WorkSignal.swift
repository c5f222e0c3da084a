import KontextCore
import Synchronization

/// A nudge from a producer (intake, webhook receiver) to a worker that there may be new work.
///
/// Nudges coalesce: any number of `notify()` calls while the worker is busy wake it once.
/// Workers also wake after a timeout, so work recorded by a previous run is found without a nudge.
/// One worker waits on a signal at a time.
package final class WorkSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())
    private let clock: any DaemonClock

    /// Creates a signal whose timeouts run on `clock`'s monotonic time.
    package init(clock: any DaemonClock = SystemClock()) {
        self.clock = clock
    }

    /// Wakes the waiting worker, or makes its next wait return at once.
    package func notify() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns on a nudge, after `timeout`, or when the task is cancelled, whichever comes first.
    ///
    /// The timeout is a child task of this wait: whichever way the wait ends, the other side is
    /// cancelled and finished before it returns, so no timer outlives it.
    package func wait(timeout: Duration) async {
        let alreadyNudged = state.withLock { state -> Bool in
            defer { state.pending = false }
            return state.pending
        }
        if alreadyNudged { return }
        let clock = self.clock
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForNudge() }
            group.addTask { try? await clock.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns on a nudge or when the task is cancelled.
    private func waitForNudge() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.wake(id)
        }
    }

    /// Resumes the waiter `id` if it is still waiting (cancellation racing a nudge).
    private func wake(_ id: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        continuation?.resume()
    }
}
