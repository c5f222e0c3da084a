import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

// One primitive for "a thread that owns a blocking resource" — the SQLite writer, each SQLite
// reader, the WAL checkpointer, each curl worker. Why threads at all: SQLite and libcurl block
// (disk, network) and must never run on the Swift concurrency pool, whose few threads would
// then starve every task. Why one owner: an SQLite connection or a curl easy handle is not
// thread-safe, so exactly one thread opens, uses and closes it.
//
// The pattern, everywhere: async callers put jobs in a `JobQueue` (their continuation inside
// the job); the `OwnerThread` takes and runs them; `close()` on the queue lets the thread finish
// what is queued and return; `await thread.join()` waits for that without blocking a pool
// thread (no pthread_join from async code).

/// A dedicated OS thread running one body to its end, which async code can await.
package final class OwnerThread: Sendable {
    private let completion = ThreadCompletion()

    /// Starts a thread named `name` (as `top` and `/proc` show it) running `body`.
    ///
    /// Linux keeps at most 15 bytes of a thread's name and refuses a longer one outright (the
    /// thread then keeps the name of the thread that started it, a concurrency-pool name), so
    /// `name` is cut to 15 bytes: keep the distinguishing part short and first.
    package init(name: String, _ body: @escaping @Sendable () -> Void) {
        let completion = self.completion
        let shortName = String(decoding: Array(name.utf8.prefix(15)), as: UTF8.self)
        let thread = Thread {
            // Set from the thread itself: Foundation's `Thread.name` does not reach the kernel
            // for a thread that is not running yet.
            OwnerThread.nameCurrentThread(shortName)
            body()
            completion.finish()
        }
        thread.name = name
        thread.start()
    }

    /// Names the calling thread through `/proc/thread-self/comm` (what `pthread_setname_np` does
    /// on Linux; Glibc's module does not export that GNU extension to Swift). Best effort: a
    /// name is for people reading `top`, nothing depends on it.
    private static func nameCurrentThread(_ name: String) {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(name.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// Returns once the body has returned; suspends, never blocks a thread.
    package func join() async {
        await completion.wait()
    }

    /// True once the body has returned.
    package var isFinished: Bool { completion.isFinished }
}

/// A blocking FIFO of jobs for owner threads: async callers submit, a thread takes.
///
/// `@unchecked Sendable` is sound: `jobs` and `isClosed` are only read or written while holding
/// `condition`'s lock, and jobs themselves are `Sendable`.
package final class JobQueue<Job: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var isClosed = false

    /// Creates an open, empty queue.
    package init() {}

    /// Adds a job; false when the queue is closed (the job was not taken).
    package func submit(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Waits for work and takes every pending job; empty once closed and drained.
    package func takeAll() -> [Job] {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !isClosed { condition.wait() }
        let taken = jobs
        jobs.removeAll(keepingCapacity: true)
        return taken
    }

    /// Waits for work and takes the oldest job; nil once closed and drained.
    package func takeOne() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !isClosed { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }

    /// Waits up to `timeout` for the queue to close; true once it is closed. For threads that
    /// work on a period (the checkpointer) and must still stop at once when told.
    package func waitForClose(timeout: Duration) -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        defer { condition.unlock() }
        while !isClosed {
            if !condition.wait(until: deadline) { break }
        }
        return isClosed
    }

    /// Refuses new jobs and wakes every waiting thread; jobs already queued are still handed
    /// out. Returns false when the queue was already closed.
    @discardableResult
    package func close() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let wasOpen = !isClosed
        isClosed = true
        condition.broadcast()
        return wasOpen
    }

    /// The number of jobs waiting to be taken.
    package var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count
    }
}

/// Carries a resource opened on one thread to the owner thread that will use it.
///
/// `@unchecked Sendable` is sound: the opening thread creates the handoff and never touches it
/// again after starting the owning thread; that thread calls `take()` once, first thing, and is
/// the only user of the resource from then on.
package final class Handoff<Resource>: @unchecked Sendable {
    private var resource: Resource?

    /// Wraps `resource` for the trip.
    package init(_ resource: Resource) {
        self.resource = resource
    }

    /// Hands the resource over; the handoff no longer holds it.
    package func take() -> Resource {
        guard let resource else { preconditionFailure("a handoff is taken exactly once") }
        self.resource = nil
        return resource
    }
}

/// Lets async code wait until a thread has finished (a join for `async`).
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

    var isFinished: Bool { state.withLock { $0.isFinished } }

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
