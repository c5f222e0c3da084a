import Synchronization

/// Wakes everyone waiting for new events once a commit appended some.
///
/// A version number plus waiters: `wait(since:)` returns at once when the version moved since
/// the caller last looked, so a commit between a reader's query and its wait is never missed.
package final class EventLogWatch: Sendable {
    private struct State {
        var version: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// The current version; pass it to `wait(since:)` after reading the log.
    package var version: UInt64 { state.withLock { $0.version } }

    /// Records that events were committed and wakes every waiter.
    package func advance() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.version &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the version moves past `version`, after `timeout`, or on cancellation.
    package func wait(since version: UInt64, timeout: Duration) async {
        let id = state.withLock { state -> UInt64? in
            guard state.version == version else { return nil }
            state.nextID &+= 1
            return state.nextID
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.version != version || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow {
                    continuation.resume()
                    return
                }
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.wake(id)
                }
            }
        } onCancel: {
            self.wake(id)
        }
    }

    private func wake(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.resume()
    }
}
