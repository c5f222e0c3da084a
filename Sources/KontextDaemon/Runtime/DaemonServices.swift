import KontextNet
import KontextStore
import Logging
import NIOPosix
import ServiceLifecycle

// The daemon's long-running parts as swift-service-lifecycle `Service`s. `Daemon.services`
// lists them in start order; the `ServiceGroup` shuts them down in reverse, one after the
// other, which is what gives the shutdown its order:
//
//   listeners stop accepting, in-flight requests finish  (WebhookListener, AdminListener)
//   → workers stop                                       (submission, reconciliation, ingestion, sync, watchdog)
//   → outgoing HTTP and the image thread pool drain       (OutgoingIO)
//   → the store finishes its writes, checkpoints, closes  (StoreService)
//
// A new long-running part is a `Service` added to `Daemon.services` at the position that says
// when it must stop: a worker that writes to the store goes among the workers, after
// `OutgoingIO` and before the listeners; `WorkerService` wraps a plain `run()` loop.

/// A listener bound by `Daemon.start()` (so its port is known before the group runs). On
/// graceful shutdown it stops accepting and lets in-flight requests finish.
struct ListenerService: Service, CustomStringConvertible {
    let server: HTTPServer
    let description: String

    func run() async throws {
        // Returns on graceful shutdown, or throws CancellationError if the group is cancelled:
        // either way the listener must stop.
        try? await gracefulShutdown()
        await server.stop()
    }
}

/// A worker loop (`run()` until its task is cancelled) as a Service: graceful shutdown cancels
/// the loop; an in-flight item is abandoned where the store can find it again on the next start.
struct WorkerService: Service, CustomStringConvertible {
    let description: String
    let body: @Sendable () async -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { await body() }
    }
}

/// Outgoing HTTP (curl threads) and the image-verification thread pool: they outlive the
/// workers that use them, then drain and stop.
struct OutgoingIOService: Service, CustomStringConvertible {
    let client: CurlHTTPClient
    let threadPool: NIOThreadPool
    var description: String { "OutgoingIO" }

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
        try? await threadPool.shutdownGracefully()
    }
}

/// The task store, first to start and last to stop: once every writer above it has stopped it
/// finishes pending writes, runs its last WAL checkpoint and closes its connections.
struct StoreService: Service, CustomStringConvertible {
    let store: TaskStore
    var description: String { "TaskStore" }

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}
