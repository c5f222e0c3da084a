import Dispatch
import Foundation
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

    init(path: String, busyTimeout: Duration, interval: Duration = .milliseconds(200)) throws(StoreError) {
        let handoff = ConnectionHandoff(try SQLiteConnection(path: path, role: .checkpointer, busyTimeout: busyTimeout))
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        let thread = Thread { [self] in
            Self.run(connection: handoff.take(), stopped: stopped, wakeUp: wakeUp, nanoseconds: nanoseconds)
            // The connection is closed by now: whoever waits on close() may open the file exclusively.
            completion.finish()
        }
        thread.name = "kontextd-store-checkpoint"
        thread.start()
    }

    private static func run(connection: SQLiteConnection, stopped: borrowing Mutex<Bool>, wakeUp: DispatchSemaphore, nanoseconds: Int) {
        while !stopped.withLock({ $0 }) {
            _ = wakeUp.wait(timeout: .now() + .nanoseconds(nanoseconds))
            // SQLITE_BUSY or an I/O error here loses nothing: the pages stay in the WAL for the next try.
            _ = try? connection.query("PRAGMA wal_checkpoint(PASSIVE)") { $0.int(at: 0) }
        }
        _ = try? connection.query("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(at: 0) }
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
