import Foundation

/// A blocking FIFO of jobs for the store's own threads: callers submit, a thread takes.
///
/// `@unchecked Sendable` is sound: `jobs` and `isClosed` are only read or written while holding
/// `condition`'s lock, and jobs themselves are `Sendable`.
final class JobQueue<Job: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var isClosed = false

    /// Adds a job; false when the queue is closed (the job was not taken).
    func submit(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Waits for work and takes every pending job; empty once closed and drained.
    func takeAll() -> [Job] {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !isClosed { condition.wait() }
        let taken = jobs
        jobs.removeAll(keepingCapacity: true)
        return taken
    }

    /// Waits for work and takes the oldest job; nil once closed and drained.
    func takeOne() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !isClosed { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }

    /// Refuses new jobs and wakes every waiting thread; jobs already queued are still handed out.
    func close() {
        condition.lock()
        defer { condition.unlock() }
        isClosed = true
        condition.broadcast()
    }

    /// The number of jobs waiting to be taken.
    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count
    }
}
