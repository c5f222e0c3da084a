import KontextThreads
import Logging

/// Copies committed WAL pages back into the database file, on its own thread and connection.
///
/// The writer runs with `wal_autocheckpoint = 0`, so its commits (and the webhook acks waiting
/// on them) never pay for a checkpoint. Every `interval` this thread runs a PASSIVE checkpoint,
/// which never blocks the writer or readers; the WAL is reused from its start once a checkpoint
/// has caught up. On close it runs a final TRUNCATE checkpoint, leaving an empty WAL behind.
///
/// Its `OwnerThread` sleeps on a `JobQueue` that carries no jobs: closing the queue is the stop
/// signal, so `stop()` wakes it at once instead of after the current interval.
final class WALCheckpointer: Sendable {
    private let stopSignal = JobQueue<Never>()
    private let thread: OwnerThread

    init(path: String, busyTimeout: Duration, interval: Duration = .milliseconds(200), logger: Logger) throws(StoreError) {
        let handoff = Handoff(try SQLiteConnection(path: path, role: .checkpointer, busyTimeout: busyTimeout))
        let stopSignal = self.stopSignal
        // The connection is closed when run returns: whoever joins may open the file exclusively.
        self.thread = OwnerThread(name: "kx-store-ckpt") {
            Self.run(connection: handoff.take(), stopSignal: stopSignal, interval: interval, logger: logger)
        }
    }

    private static func run(connection: SQLiteConnection, stopSignal: JobQueue<Never>, interval: Duration, logger: Logger) {
        // A failure loses nothing (the pages stay in the WAL for the next try) but a WAL that is
        // never copied back grows without bound: say so once when checkpoints start failing and
        // once when they work again, not every 200 ms.
        var failing = false
        while !stopSignal.waitForClose(timeout: interval) {
            do {
                _ = try connection.query("PRAGMA wal_checkpoint(PASSIVE)") { row -> Int in row["busy"] }
                if failing {
                    failing = false
                    logger.notice("WAL checkpoints work again", metadata: ["path": "\(connection.path)"])
                }
            } catch {
                if !failing {
                    failing = true
                    logger.warning(
                        "WAL checkpoint failed; the WAL keeps growing until one succeeds",
                        metadata: ["error": "\(error)", "path": "\(connection.path)"])
                }
            }
        }
        do {
            _ = try connection.query("PRAGMA wal_checkpoint(TRUNCATE)") { row -> Int in row["busy"] }
        } catch {
            logger.warning(
                "final WAL checkpoint failed; the next open replays the WAL",
                metadata: ["error": "\(error)", "path": "\(connection.path)"])
        }
    }

    /// Asks the thread to finish (after a last checkpoint) without waiting for it.
    func stop() {
        stopSignal.close()
    }

    /// Stops the thread and waits until its last checkpoint is done.
    func close() async {
        stop()
        await thread.join()
    }
}
