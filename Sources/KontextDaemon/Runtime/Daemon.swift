import Foundation
import KontextCore
import KontextNet
import KontextStore
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A whole kontextd: the assembly of its services (see DaemonServices.swift) around one store.
///
/// `start()` opens the listeners (so their ports are known, even when configured as 0) and
/// `run()` runs every service in one `ServiceGroup` until a graceful shutdown (SIGTERM under
/// an outer ServiceLifecycle group) or cancellation of `run()`; both shut down in the group's
/// order: listeners stop accepting and in-flight requests finish, workers stop, outgoing HTTP
/// drains, the store closes. Everything a webhook was answered 200 for is already committed.
package final class Daemon: Service {
    /// The configuration the daemon started with.
    package let configuration: DaemonConfiguration
    /// The configuration in force now: the start-up one with the live keys of the latest reload.
    package let live: LiveConfiguration
    /// Conditions that degrade the daemon, as `/healthz` shows them.
    package let health = DaemonHealth()
    /// The daemon's metrics.
    package let metrics: DaemonMetrics
    /// The task store (tests and the CLI's local commands read it).
    package let store: TaskStore
    private let files: ImageFileStore
    private let client: CurlHTTPClient
    private let threadPool: NIOThreadPool
    /// Memory every image decode shares (`images.decodeMemoryBudget`): ingestion's and the thumbnail route's.
    private let decodeBudget: DecodeMemoryBudget
    private let logger: Logger
    private let clock: any DaemonClock
    private let submitSignal: WorkSignal
    private let ingestSignal: WorkSignal
    private let token: WebhookToken
    private let listeners = Mutex<(admin: HTTPServer, webhook: HTTPServer)?>(nil)
    /// Delivers stored images and events to the configured sinks.
    package let sync: SyncService
    /// Where READY/STOPPING/WATCHDOG go when run by systemd as `Type=notify`; nil otherwise.
    private let notifier: SystemdNotifier?
    /// How often a watchdog heartbeat is due (half of systemd's `WatchdogSec=`); nil for none.
    private let watchdogInterval: Duration?

    /// Opens (and migrates) the store under `configuration.stateDirectory` and removes any
    /// temporary image file a crash left behind.
    /// `clock` times waits, deadlines and backoff (monotonic) and what is recorded (wall).
    /// `notifier` (from `NOTIFY_SOCKET`) receives READY=1 once the listeners are bound and
    /// STOPPING=1 when shutdown begins; with a `watchdogInterval` it also receives WATCHDOG=1 that
    /// often, each only after the writer thread and every event loop have answered.
    package init(
        configuration: DaemonConfiguration, logger: Logger, metrics: DaemonMetrics = DaemonMetrics(),
        clock: any DaemonClock = SystemClock(), notifier: SystemdNotifier? = nil, watchdogInterval: Duration? = nil
    ) throws {
        try DaemonConfigurationCheck.check(configuration)
        // Before any decode: pixel buffers must go back to the system when freed (see ProcessMemory).
        ProcessMemory.returnLargeBlocksToTheSystem()
        self.notifier = notifier
        self.watchdogInterval = watchdogInterval
        self.configuration = configuration
        self.live = LiveConfiguration(configuration)
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        self.submitSignal = WorkSignal(clock: clock)
        self.ingestSignal = WorkSignal(clock: clock)
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        let commits = metrics.storeCommits
        let committedWrites = metrics.storeCommittedWrites
        self.store = try TaskStore(
            path: configuration.stateDirectory + "/kontextd.sqlite3",
            configuration: StoreConfiguration(
                clock: { clock.wallNow },
                logger: logger,
                onCommit: { writes in
                    commits.increment()
                    committedWrites.increment(by: writes)
                },
                sinks: configuration.sync.subscriptions))
        self.files = try ImageFileStore(root: configuration.stateDirectory)
        let removed = try files.removeTemporaryFiles()
        if removed > 0 { logger.notice("removed temporary image files left by an interrupted run", metadata: ["count": "\(removed)"]) }
        self.client = CurlHTTPClient(configuration: .init(threads: max(2, configuration.images.concurrency + 1), userAgent: "kontextd"))
        // One thread per concurrent image: each spends much of its time waiting on fsync, not on a core.
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.images.concurrency)
        self.threadPool.start()
        self.decodeBudget = DecodeMemoryBudget(capacity: configuration.images.decodeMemoryBudget)
        self.token = WebhookToken(key: configuration.webhook.secret)
        self.sync = try SyncService(
            store: store, configuration: configuration.sync, retainLocalDays: configuration.images.retainLocalDays,
            health: health, metrics: metrics, logger: logger, clock: { clock.wallNow }, live: live,
            monotonic: { clock.now })
    }

    private var spendGate: SpendGate {
        SpendGate(store: store, live: live, clock: clock, logger: logger)
    }

    /// The bound ports once `start()` has returned.
    package var ports: (admin: Int, webhook: Int)? {
        listeners.withLock { servers in
            guard let servers, let admin = servers.admin.port, let webhook = servers.webhook.port else { return nil }
            return (admin, webhook)
        }
    }

    /// Binds the admin and webhook listeners and returns their ports.
    @discardableResult
    package func start() async throws -> (admin: Int, webhook: Int) {
        if let ports { return ports }
        let admin = AdminAPI(
            store: store, files: files, submitSignal: submitSignal, health: health, metrics: metrics,
            sync: sync, events: store, spend: spendGate, decoding: ImageDecoding(pool: threadPool, budget: decodeBudget),
            logger: logger)
        let adminRouter = admin.router()
        let adminServer = HTTPServer(
            configuration: HTTPServerConfiguration(
                host: configuration.admin.host, port: configuration.admin.port,
                maxBodyBytes: configuration.admin.maxBodyBytes, requestTimeout: 120, maxConnections: 256,
                maxBufferedBytes: max(64 << 20, configuration.admin.maxBodyBytes), name: "admin"),
            responder: adminRouter,
            inspector: AdminRequestGate(
                currentAllowedHosts: { [live] in live.current.admin.allowedHosts }, token: configuration.admin.token,
                routeExists: { adminRouter.routes(method: $0, uri: $1) }),
            logger: logger)

        let receiver = WebhookReceiver(
            store: store, token: token, ingestSignal: ingestSignal, health: health, metrics: metrics, clock: clock,
            logger: logger)
        let webhook = configuration.webhook
        let webhookServer = receiver.listener(
            configuration: HTTPServerConfiguration(
                host: webhook.host, port: webhook.port, maxBodyBytes: webhook.maxBodyBytes,
                idleTimeout: webhook.idleTimeout, headTimeout: webhook.headTimeout,
                requestTimeout: webhook.requestTimeout, maxConnections: webhook.maxConnections,
                maxBufferedBytes: webhook.maxBufferedBytes, backlog: 1024, name: "webhook"),
            logger: logger)

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

    /// Runs every service until graceful shutdown or cancellation, then shuts them down in order.
    package func run() async throws {
        let services = try await services()
        if let ports, let failure = notifier?.notify("READY=1\nSTATUS=listening: admin port \(ports.admin), webhook port \(ports.webhook)") {
            logger.warning("cannot notify systemd", metadata: ["error": "\(failure)"])
        }
        let notifier = self.notifier
        // No signals here: the process's own group (the CLI's) turns SIGTERM into the graceful
        // shutdown that reaches this one.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        // The group runs in its own task so that cancelling run() becomes an ordered graceful
        // shutdown instead of cancelling every service at once (which could close the store
        // under a worker's write).
        let running = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await running.value
            } onGracefulShutdown: {
                notifier?.notify("STOPPING=1")
                Task { await group.triggerGracefulShutdown() }
            }
        } onCancel: {
            notifier?.notify("STOPPING=1")
            Task { await group.triggerGracefulShutdown() }
        }
        logger.notice("kontextd stopped")
    }

    /// Sends WATCHDOG=1 every `interval` while `liveness()` finds the daemon alive. A writer
    /// thread or event loop that stops answering stalls this loop, the heartbeats stop, and
    /// systemd restarts the service after `WatchdogSec=`.
    private func heartbeat(to notifier: SystemdNotifier, every interval: Duration) async {
        while !Task.isCancelled {
            if let problem = await liveness() {
                logger.error("watchdog heartbeat withheld", metadata: ["reason": "\(problem)"])
            } else if let failure = notifier.notify("WATCHDOG=1") {
                logger.warning("cannot send the watchdog heartbeat", metadata: ["error": "\(failure)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Nil when the store's writer thread and every event loop of the listeners take work now;
    /// otherwise what failed. Hangs (rather than answering) while one of them is wedged.
    package func liveness() async -> String? {
        do {
            try await store.ping()
        } catch {
            return "the store's writer: \(error)"
        }
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
            do {
                try await loop.submit {}.get()
            } catch {
                return "event loop \(loop): \(error)"
            }
        }
        return nil
    }

    /// The services, in start order; the group stops them in reverse (see DaemonServices.swift).
    /// A new long-running part goes here, at the position that says when it must stop.
    private func services() async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let ports = try await start()
        guard let listeners = listeners.withLock({ $0 }) else {
            throw CancellationError()
        }
        let runSubmission = !configuration.runware.apiKey.isEmpty
        if !runSubmission {
            health.raise(.submissionPaused, reason: "no Runware API key configured (runware.apiKey, runware.apiKeyFile or the runware-api-key credential)")
        }
        let api = RunwareAPI(client: client, configuration: configuration.runware)
        let ingestor = ResultIngestor(
            store: store, files: files, fetcher: ImageFetcher(client: client, configuration: configuration.images),
            api: runSubmission ? api : nil, configuration: configuration.images, signal: ingestSignal,
            health: health, metrics: metrics, pollInterval: configuration.pollInterval, threadPool: threadPool,
            clock: clock, logger: logger, decodeBudget: decodeBudget)

        // Sync delivers what ingestion stored; it stops with the other workers, before the store.
        var workers: [any Service] = [WorkerService(description: "Ingestion") { await ingestor.run() }, sync]
        if let notifier, let interval = watchdogInterval {
            // Among the workers: it stops before the store it pings closes.
            workers.append(WorkerService(description: "Watchdog") { await self.heartbeat(to: notifier, every: interval) })
        }
        if runSubmission {
            let reconciler = Reconciler(
                store: store, api: api, configuration: configuration.reconcile, ingestSignal: ingestSignal, health: health,
                metrics: metrics, clock: clock, logger: logger)
            let submission = SubmissionWorker(
                store: store, api: api, webhookBaseURL: configuration.webhookBaseURL(boundPort: ports.webhook), token: token,
                signal: submitSignal, ingestSignal: ingestSignal, health: health, metrics: metrics,
                pollInterval: configuration.pollInterval, spendGate: spendGate, clock: clock, logger: logger)
            // A reload that changes the budget may release held tasks: let the worker weigh them now.
            let signal = submitSignal
            live.observe { _ in signal.notify() }
            workers.append(WorkerService(description: "Reconciliation") { await reconciler.run() })
            workers.append(WorkerService(description: "Submission") { await submission.run() })
        }
        let ordered: [any Service] =
            [StoreService(store: store), OutgoingIOService(client: client, threadPool: threadPool)]
            + workers
            + [
                ListenerService(server: listeners.admin, description: "AdminListener"),
                ListenerService(server: listeners.webhook, description: "WebhookListener"),
            ]
        // Whatever ends first (a service returning or failing) shuts the rest down in order too.
        return ordered.map {
            .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup)
        }
    }
}
