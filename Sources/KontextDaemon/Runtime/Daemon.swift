import Foundation
import KontextNet
import KontextStore
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A whole kontextd: the store, both listeners and the workers, wired together.
///
/// `start()` opens the listeners (so their ports are known, even when configured as 0) and
/// `run()` runs the workers until cancellation or a graceful shutdown (SIGTERM under
/// ServiceLifecycle): then it stops accepting requests, lets in-flight ones finish, stops the
/// workers and closes the store. Everything a webhook was answered 200 for is already committed.
public final class Daemon: Service {
    /// The configuration the daemon runs with.
    public let configuration: DaemonConfiguration
    /// Conditions that degrade the daemon, as `/healthz` shows them.
    public let health = DaemonHealth()
    /// The daemon's metrics.
    public let metrics: DaemonMetrics
    /// The task store (tests and the CLI's local commands read it).
    public let store: TaskStore
    private let files: ImageFileStore
    private let client: CurlHTTPClient
    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let submitSignal = WorkSignal()
    private let ingestSignal = WorkSignal()
    private let token: WebhookToken
    private let listeners = Mutex<(admin: HTTPServer, webhook: HTTPServer)?>(nil)

    /// Opens (and migrates) the store under `configuration.stateDirectory` and removes any
    /// temporary image file a crash left behind.
    public init(configuration: DaemonConfiguration, logger: Logger, metrics: DaemonMetrics = DaemonMetrics()) throws {
        try DaemonConfigurationCheck.check(configuration)
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        let commits = metrics.storeCommits
        let committedWrites = metrics.storeCommittedWrites
        self.store = try TaskStore(
            path: configuration.stateDirectory + "/kontextd.sqlite3",
            configuration: StoreConfiguration(
                logger: logger,
                onCommit: { writes in
                    commits.increment()
                    committedWrites.increment(by: writes)
                }))
        self.files = try ImageFileStore(root: configuration.stateDirectory)
        let removed = try files.removeTemporaryFiles()
        if removed > 0 { logger.notice("removed temporary image files left by an interrupted run", metadata: ["count": "\(removed)"]) }
        self.client = CurlHTTPClient(configuration: .init(threads: max(2, configuration.images.concurrency + 1), userAgent: "kontextd"))
        // One thread per concurrent image: each spends much of its time waiting on fsync, not on a core.
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.images.concurrency)
        self.threadPool.start()
        self.token = WebhookToken(key: configuration.webhook.secret)
    }

    /// The bound ports once `start()` has returned.
    public var ports: (admin: Int, webhook: Int)? {
        listeners.withLock { servers in
            guard let servers, let admin = servers.admin.port, let webhook = servers.webhook.port else { return nil }
            return (admin, webhook)
        }
    }

    /// Binds the admin and webhook listeners and returns their ports.
    @discardableResult
    public func start() async throws -> (admin: Int, webhook: Int) {
        if let ports { return ports }
        let admin = AdminAPI(
            store: store, files: files, submitSignal: submitSignal, health: health, metrics: metrics, logger: logger)
        let adminServer = HTTPServer(
            configuration: HTTPServerConfiguration(
                host: configuration.admin.host, port: configuration.admin.port,
                maxBodyBytes: configuration.admin.maxBodyBytes, name: "admin"),
            responder: admin.router(), logger: logger)

        let receiver = WebhookReceiver(
            store: store, token: token, ingestSignal: ingestSignal, health: health, metrics: metrics, logger: logger)
        let webhookServer = HTTPServer(
            configuration: HTTPServerConfiguration(
                host: configuration.webhook.host, port: configuration.webhook.port,
                maxBodyBytes: configuration.webhook.maxBodyBytes, name: "webhook"),
            responder: receiver, logger: logger)

        let webhookPort = try await webhookServer.start()
        let adminPort: Int
        do {
            adminPort = try await adminServer.start()
        } catch {
            await webhookServer.stop()
            throw error
        }
        listeners.withLock { $0 = (adminServer, webhookServer) }
        logger.info(
            "kontextd listening",
            metadata: [
                "admin": "\(configuration.admin.host):\(adminPort)", "webhook": "\(configuration.webhook.host):\(webhookPort)",
                "webhook_base_url": "\(configuration.webhookBaseURL(boundPort: webhookPort))",
                "state_directory": "\(configuration.stateDirectory)",
            ])
        return (adminPort, webhookPort)
    }

    /// Runs the workers until cancelled or gracefully shut down, then stops everything.
    public func run() async throws {
        let ports = try await start()
        let api = RunwareAPI(client: client, configuration: configuration.runware)
        let submission = SubmissionWorker(
            store: store, api: api, webhookBaseURL: configuration.webhookBaseURL(boundPort: ports.webhook), token: token,
            signal: submitSignal, ingestSignal: ingestSignal, health: health, metrics: metrics,
            pollInterval: configuration.pollInterval, logger: logger, now: Self.wallClock)
        let ingestor = ResultIngestor(
            store: store, files: files, fetcher: ImageFetcher(client: client, configuration: configuration.images),
            api: configuration.runware.apiKey.isEmpty ? nil : api, configuration: configuration.images, signal: ingestSignal,
            health: health, metrics: metrics, pollInterval: configuration.pollInterval, threadPool: threadPool, logger: logger)
        let reconciler = Reconciler(
            store: store, api: api, configuration: configuration.reconcile, ingestSignal: ingestSignal, health: health,
            metrics: metrics, logger: logger, now: Self.wallClock)
        if configuration.runware.apiKey.isEmpty {
            health.raise(.submissionPaused, reason: "no Runware API key configured (runware.apiKey, runware.apiKeyFile or the runware-api-key credential)")
        }

        let runSubmission = !configuration.runware.apiKey.isEmpty
        // Graceful shutdown (SIGTERM under ServiceLifecycle) cancels the workers; so does cancelling this task.
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if runSubmission {
                    group.addTask { await submission.run() }
                    group.addTask { await reconciler.run() }
                }
                group.addTask { await ingestor.run() }
                group.addTask {
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                }
                await group.next()
                group.cancelAll()
            }
        }
        logger.notice("shutting down: no new requests; in-flight requests finish")
        await shutdown()
    }

    /// Wall-clock seconds since 1970: what the store records and deadlines are measured in. The
    /// one place the workers' time comes from, so tests can run them on their own clock.
    static let wallClock: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    /// Stops the listeners (in-flight requests finish), the HTTP client and the store.
    private func shutdown() async {
        let servers = listeners.withLock { servers -> (admin: HTTPServer, webhook: HTTPServer)? in
            defer { servers = nil }
            return servers
        }
        if let servers {
            await servers.webhook.stop()
            await servers.admin.stop()
        }
        client.shutdown()
        try? await threadPool.shutdownGracefully()
        await store.close()
        logger.notice("kontextd stopped")
    }
}
