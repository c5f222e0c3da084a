import Foundation
import KontextThreads
import Logging
import Synchronization

/// The only write connection to a database, on its own thread, committing in groups.
///
/// Every `write` becomes a job. The thread takes all pending jobs at once and runs them in one
/// transaction (`BEGIN IMMEDIATE … COMMIT`), each inside its own SAVEPOINT: a job that throws is
/// rolled back alone and its caller gets its error, the others carry on. Callers whose jobs
/// succeeded are resumed only after COMMIT has returned, so a result in hand is durable
/// (`synchronous=FULL`). If COMMIT fails, every job of the group gets that error. One fsync then
/// covers the whole group: that is what allows thousands of durable acknowledgements a second.
///
/// The thread is an `OwnerThread` (see KontextThreads), never the Swift concurrency pool: SQLite blocks on disk.
package final class DatabaseWriter: Sendable {
    /// A write waiting for the thread: runs its body, resumes its caller later.
    struct Job: Sendable {
        /// Runs the body in the current savepoint; on success returns what resumes the caller.
        let execute: @Sendable (SQLiteConnection) throws -> @Sendable () -> Void
        /// Resumes the caller with an error.
        let fail: @Sendable (any Error) -> Void
    }

    /// Committed groups and jobs: tests read them; `onCommit` hands each commit to the daemon's
    /// metrics (`kontextd_store_commits_total`, `kontextd_store_committed_writes_total`). And the
    /// thread's busy time, which background work (the sinks) watches to step back (`ForegroundYield`).
    final class Statistics: Sendable {
        private let values = Mutex((groups: 0, jobs: 0, busy: Duration.zero))
        private let onCommit: (@Sendable (Int) -> Void)?
        init(onCommit: (@Sendable (Int) -> Void)?) { self.onCommit = onCommit }
        func recordCommit(jobs: Int) {
            values.withLock { $0.groups += 1; $0.jobs += jobs }
            onCommit?(jobs)
        }
        func recordBusy(_ duration: Duration) {
            values.withLock { $0.busy += duration }
        }
        var committedGroups: Int { values.withLock { $0.groups } }
        var committedJobs: Int { values.withLock { $0.jobs } }
        /// Time the thread spent running groups (statements, COMMIT and its fsync), since it started.
        var busyTime: Duration { values.withLock { $0.busy } }
    }

    private let queue = JobQueue<Job>()
    private let thread: OwnerThread
    private let checkpointer: WALCheckpointer
    let statistics: Statistics

    /// Opens (creating if needed) the database at `path`, migrates it, and starts the writer thread.
    /// `onCommit` is called on the writer thread with each committed group's size.
    package init(
        path: String, busyTimeout: Duration, migrator: SchemaMigrator,
        logger: Logger = Logger(label: "kontextd.store"), onCommit: (@Sendable (Int) -> Void)? = nil
    ) throws(StoreError) {
        let connection = try SQLiteConnection(path: path, role: .writer, busyTimeout: busyTimeout)
        try migrator.migrate(connection)
        // Checkpoints run on their own thread: a commit never waits for WAL pages to be copied back.
        try connection.execute("PRAGMA wal_autocheckpoint = 0")
        self.checkpointer = try WALCheckpointer(path: path, busyTimeout: busyTimeout, logger: logger)
        self.statistics = Statistics(onCommit: onCommit)
        let handoff = Handoff(connection)
        let queue = self.queue
        let statistics = self.statistics
        self.thread = OwnerThread(name: "kx-store-write") {
            Self.run(connection: handoff.take(), queue: queue, statistics: statistics, logger: logger)
        }
    }

    deinit {
        // Without close(), the threads still finish what is queued and then exit.
        queue.close()
        checkpointer.stop()
    }

    /// Runs `body` on the write connection inside the next group's transaction.
    ///
    /// Returns once the group has committed. Throws `body`'s own error (only its work is rolled
    /// back), the COMMIT's `StoreError` (nothing of the group was kept), or `.closed`.
    package func write<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                execute: { connection in
                    let value = try body(connection)
                    return { continuation.resume(returning: value) }
                },
                fail: { continuation.resume(throwing: $0) })
            if !queue.submit(job) {
                continuation.resume(throwing: StoreError.closed(operation: "write"))
            }
        }
    }

    /// Finishes every job already submitted, closes the connection and waits for the thread to end.
    /// Later writes fail with `.closed`.
    package func close() async {
        queue.close()
        await thread.join()
        await checkpointer.close()
    }

    /// Jobs submitted and not yet taken by the thread.
    var pendingJobCount: Int { queue.count }

    // MARK: The writer thread

    private static func run(connection: SQLiteConnection, queue: JobQueue<Job>, statistics: Statistics, logger: Logger) {
        while true {
            let group = queue.takeAll()
            if group.isEmpty { return }
            // Measured, not decided on: two vDSO clock reads per group.
            let started = ContinuousClock.now
            runGroup(group, on: connection, statistics: statistics, logger: logger)
            statistics.recordBusy(ContinuousClock.now - started)
        }
    }

    private static func runGroup(_ group: [Job], on connection: SQLiteConnection, statistics: Statistics, logger: Logger) {
        var next = 0
        while next < group.count {
            do {
                // Cached statements: transaction control is prepared once, not parsed per group.
                try connection.run("BEGIN IMMEDIATE")
            } catch {
                for job in group[next...] { job.fail(error) }
                return
            }
            var succeeded: [(job: Job, resume: @Sendable () -> Void)] = []
            var lostTransaction: StoreError?
            while next < group.count {
                let job = group[next]
                next += 1
                do {
                    try connection.run("SAVEPOINT kx_job")
                    let resume = try job.execute(connection)
                    try connection.run("RELEASE kx_job")
                    succeeded.append((job, resume))
                } catch {
                    if connection.isInTransaction {
                        do {
                            try connection.execute("ROLLBACK TO kx_job")
                            try connection.execute("RELEASE kx_job")
                        } catch let rollback {
                            // The job's partial work may stay in the group; its caller still gets its error.
                            logger.error(
                                "could not roll back a failed write alone",
                                metadata: ["error": "\(rollback)", "write_error": "\(error)"])
                        }
                        job.fail(error)
                    } else {
                        job.fail(error)
                        // Some errors (disk full, I/O) make SQLite roll back the whole transaction:
                        // the earlier jobs' work is gone too, so they must not be told it was kept.
                        lostTransaction = error as? StoreError ?? StoreError(
                            kind: .sqlite, message: "the transaction was rolled back after: \(error)",
                            operation: "write")
                        break
                    }
                }
            }
            if let lostTransaction {
                for entry in succeeded { entry.job.fail(lostTransaction) }
                continue
            }
            do {
                try connection.run("COMMIT")
            } catch {
                if connection.isInTransaction {
                    do { try connection.execute("ROLLBACK") } catch let rollback {
                        logger.error(
                            "could not roll back after a failed COMMIT",
                            metadata: ["error": "\(rollback)", "commit_error": "\(error)"])
                    }
                }
                for entry in succeeded { entry.job.fail(error) }
                continue
            }
            statistics.recordCommit(jobs: succeeded.count)
            for entry in succeeded { entry.resume() }
        }
    }
}
