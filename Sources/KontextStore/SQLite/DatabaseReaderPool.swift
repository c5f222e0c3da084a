import Foundation
import KontextThreads
import Logging

/// Read connections on their own threads, for queries that must not wait behind writes.
///
/// WAL mode lets readers see the last committed state while the writer works. Each read runs
/// in its own read transaction, so a multi-query read sees one consistent snapshot.
package final class DatabaseReaderPool: Sendable {
    private let queue = JobQueue<@Sendable (SQLiteConnection, Logger) -> Void>()
    private let threads: [OwnerThread]

    /// Opens `count` read connections to the existing database at `path`, one thread each.
    package init(
        path: String, count: Int, busyTimeout: Duration, logger: Logger = Logger(label: "kontextd.store")
    ) throws(StoreError) {
        let count = max(1, count)
        var handoffs: [Handoff<SQLiteConnection>] = []
        for _ in 0..<count {
            handoffs.append(Handoff(try SQLiteConnection(path: path, role: .reader, busyTimeout: busyTimeout)))
        }
        let queue = self.queue
        self.threads = handoffs.enumerated().map { index, handoff in
            OwnerThread(name: "kx-store-read-\(index)") {
                Self.run(connection: handoff.take(), queue: queue, logger: logger)
            }
        }
    }

    deinit {
        queue.close()
    }

    /// Runs `body` on a read connection inside a read transaction and returns its value.
    ///
    /// Throws `body`'s error, a `StoreError` from SQLite, or `.closed`.
    package func read<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: @Sendable (SQLiteConnection, Logger) -> Void = { connection, logger in
                do {
                    try connection.execute("BEGIN")
                    let value: T
                    do {
                        value = try body(connection)
                    } catch {
                        Self.rollBack(connection, after: error, logger: logger)
                        throw error
                    }
                    try connection.execute("COMMIT")
                    continuation.resume(returning: value)
                } catch {
                    if connection.isInTransaction { Self.rollBack(connection, after: error, logger: logger) }
                    continuation.resume(throwing: error)
                }
            }
            if !queue.submit(job) {
                continuation.resume(throwing: StoreError.closed(operation: "read"))
            }
        }
    }

    /// Finishes reads already submitted, closes every connection and waits for the threads.
    package func close() async {
        queue.close()
        for thread in threads { await thread.join() }
    }

    /// Ends a failed read transaction; a connection that cannot is reported (its next read fails too).
    private static func rollBack(_ connection: SQLiteConnection, after error: any Error, logger: Logger) {
        do { try connection.execute("ROLLBACK") } catch let rollback {
            logger.error(
                "could not end a failed read transaction",
                metadata: ["error": "\(rollback)", "read_error": "\(error)", "path": "\(connection.path)"])
        }
    }

    private static func run(
        connection: SQLiteConnection, queue: JobQueue<@Sendable (SQLiteConnection, Logger) -> Void>, logger: Logger
    ) {
        while let job = queue.takeOne() {
            job(connection, logger)
        }
    }
}
