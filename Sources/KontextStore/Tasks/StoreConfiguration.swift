import Foundation
import KontextCore
import Logging

/// How a `TaskStore` opens its database.
package struct StoreConfiguration: Sendable {
    /// Read connections (and reader threads) for queries. Default 2: status queries then never
    /// wait behind each other on a 2-core machine, and WAL keeps them off the writer's path.
    package var readerCount: Int
    /// How long a connection waits for a lock held by another process before failing with
    /// `SQLITE_BUSY`. Default 5 seconds; within one process the single writer never contends.
    package var busyTimeout: Duration
    /// The clock for times the caller does not pass (task creation): seconds since 1970.
    /// Default: the system's wall clock.
    package var clock: @Sendable () -> Double
    /// Where the store reports what it cannot do and does not throw for (a failed WAL checkpoint,
    /// a failed rollback). Default: a logger labelled `kontextd.store`.
    package var logger: Logger
    /// Called on the writer thread after each committed group with the number of writes it
    /// committed (the daemon counts groups and writes as metrics). Must return quickly.
    /// Default: nothing.
    package var onCommit: (@Sendable (_ writes: Int) -> Void)?
    /// The downstream sinks: every event a sink subscribes to gets an outbox row for it, written
    /// in the transaction that records the event. Default none (events still feed `GET /v1/events`).
    package var sinks: [SinkSubscription]

    /// Creates a configuration; every argument has the default documented on its property.
    package init(
        readerCount: Int = 2,
        busyTimeout: Duration = .seconds(5),
        clock: @escaping @Sendable () -> Double = { SystemClock().wallNow },
        logger: Logger = Logger(label: "kontextd.store"),
        onCommit: (@Sendable (_ writes: Int) -> Void)? = nil,
        sinks: [SinkSubscription] = []
    ) {
        self.sinks = sinks
        self.readerCount = readerCount
        self.busyTimeout = busyTimeout
        self.clock = clock
        self.logger = logger
        self.onCommit = onCommit
    }
}
