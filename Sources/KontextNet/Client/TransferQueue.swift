import Synchronization

/// One queued request and the continuation of the task awaiting it.
struct TransferJob: Sendable {
    let request: HTTPClientRequest
    let cancellation: CancellationFlag
    let continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>

    /// Hands the outcome to the awaiting task; must be called exactly once.
    func finish(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        continuation.resume(returning: result)
    }
}

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
