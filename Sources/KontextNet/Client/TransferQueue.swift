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
