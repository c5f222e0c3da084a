import Foundation
import Synchronization

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

/// Carries a connection opened on one thread to the store thread that will own it.
///
/// `@unchecked Sendable` is sound: the opening thread creates the handoff and never touches it
/// again after starting the owning thread; that thread calls `take()` once, first thing, and is
/// the only user of the connection from then on.
final class ConnectionHandoff: @unchecked Sendable {
    private var connection: SQLiteConnection?

    init(_ connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Hands the connection over; the handoff no longer holds it.
    func take() -> SQLiteConnection {
        guard let connection else { preconditionFailure("a connection handoff is taken exactly once") }
        self.connection = nil
        return connection
    }
}

/// Lets async code wait until one of the store's threads has finished (a join for `async`).
final class ThreadCompletion: Sendable {
    private struct State {
        var isFinished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Called by the thread as its last act; resumes everyone waiting.
    func finish() {
        let waiters = state.withLock { state in
            state.isFinished = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `finish()` has been called.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state in
                if state.isFinished { return true }
                state.waiters.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }
}
