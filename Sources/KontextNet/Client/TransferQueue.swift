import Dispatch
import Synchronization

/// The FIFO of jobs between `execute` callers and the worker threads.
///
/// Every job added signals the semaphore once and closing signals it once per worker, so each
/// wake-up of a worker either takes a job or, once closed and drained, tells it to exit.
final class TransferQueue: Sendable {
    private struct State: Sendable {
        var jobs: [TransferJob] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)

    /// Adds a job; returns false (job not queued) once the queue is closed.
    func enqueue(_ job: TransferJob) -> Bool {
        let accepted = state.withLock { state in
            guard !state.closed else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    /// Blocks the calling (worker) thread for the next job; nil once the queue is closed and empty.
    func next() -> TransferJob? {
        available.wait()
        return state.withLock { state in
            state.jobs.isEmpty ? nil : state.jobs.removeFirst()
        }
    }

    /// Refuses new jobs and wakes `workers` threads so they exit after the queued jobs are done.
    /// Returns false when the queue was already closed.
    func close(workers: Int) -> Bool {
        let first = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if first {
            for _ in 0..<workers { available.signal() }
        }
        return first
    }
}

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
