import Synchronization

/// A one-way flag set when the task awaiting a transfer is cancelled, read by the worker thread.
final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)

    /// Marks the transfer as no longer wanted.
    func cancel() {
        state.store(true, ordering: .relaxed)
    }

    /// Whether `cancel()` has been called.
    var isCancelled: Bool {
        state.load(ordering: .relaxed)
    }
}
