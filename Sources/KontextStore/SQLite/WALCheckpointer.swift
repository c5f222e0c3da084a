import Dispatch
import Foundation
import Logging
import Synchronization

/// Copies committed WAL pages back into the database file, on its own thread and connection.
///
/// The writer runs with `wal_autocheckpoint = 0`, so its commits (and the webhook acks waiting
/// on them) never pay for a checkpoint. Every `interval` this thread runs a PASSIVE checkpoint,
/// which never blocks the writer or readers; the WAL is reused from its start once a checkpoint
/// has caught up. On close it runs a final TRUNCATE checkpoint, leaving an empty WAL behind.
final class WALCheckpointer: Sendable {
    private let stopped = Mutex(false)
    private let wakeUp = DispatchSemaphore(value: 0)
    private let completion = ThreadCompletion()

    init(path: String, busyTimeout: Duration, interval: Duration = .milliseconds(200), logger: Logger) throws(StoreError) {
        let handoff = ConnectionHandoff(try SQLiteConnection(path: path, role: .checkpointer, busyTimeout: busyTimeout))
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        let thread = Thread { [self] in
            Self.run(connection: handoff.take(), stopped: stopped, wakeUp: wakeUp, nanoseconds: nanoseconds, logger: logger)
            // The connection is closed by now: whoever waits on close() may open the file exclusively.
            completion.finish()
        }
        thread.name = "kontextd-store-checkpoint"
        thread.start()
    }

    private static func run(
        connection: SQLiteConnection, stopped: borrowing Mutex<Bool>, wakeUp: DispatchSemaphore, nanoseconds: Int,
        logger: Logger
    ) {
        // A failure loses nothing (the pages stay in the WAL for the next try) but a WAL that is
        // never copied back grows without bound: say so once when checkpoints start failing and
        // once when they work again, not every 200 ms.
        var failing = false
        while !stopped.withLock({ $0 }) {
            _ = wakeUp.wait(timeout: .now() + .nanoseconds(nanoseconds))
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
        let wasRunning = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        if wasRunning { wakeUp.signal() }
    }

    /// Stops the thread and waits until its last checkpoint is done.
    func close() async {
        stop()
        await completion.wait()
    }
}
