import Foundation
import KontextCore
import KontextNet
import KontextStore
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Delivers the outbox to every configured sink, each on its own loop with its own concurrency,
/// so a slow or dead sink grows its own backlog and delays nothing else (the webhook listener
/// never waits for it: outbox rows are written when images are stored, not when webhooks come).
///
/// Each loop takes the sink's due deliveries (oldest first), delivers up to `concurrency` at once
/// and records the outcome: delivered; failed and retried later (exponential backoff with
/// jitter); a dead letter after `sync.maxAttempts` attempts or `sync.maxAge`; or, on a 403, the
/// whole sink paused — no attempt spent, the reason in `/healthz` — and probed every
/// `sync.pauseProbeInterval` seconds until it answers again.
///
/// Sinks are background work: while the store writer is busy more than half the time (a webhook
/// burst), each sink delivers one event at a time (`ForegroundYield`).
package final class SyncService: Service, Sendable, CustomStringConvertible {
    package var description: String { "Sync" }

    /// What `/healthz`, `/metrics` and `kontextd sync status` show for one sink.
    package struct SinkStatus: Sendable {
        package var name: String
        package var type: String
        package var outbox: OutboxStatistics
        /// Why the sink is paused, when it is.
        package var pausedReason: String?
        /// Oldest waiting event's age in seconds (0 when nothing waits).
        package var oldestPendingAge: Double
    }

    struct Runner: Sendable {
        let configuration: SinkConfiguration
        let sink: any DownstreamSink
    }

    let store: TaskStore
    let runners: [Runner]
    private let configuration: SyncConfiguration
    private let retainLocalDays: Double?
    private let health: DaemonHealth
    private let metrics: DaemonMetrics
    private let clock: @Sendable () -> Double
    private let jitter: @Sendable () -> Double
    private let logger: Logger
    /// The store writer's busy fraction since the caller's previous sample (`BusyFraction`).
    private let writerBusy: @Sendable (inout BusyFraction) -> Double
    private let pool: NIOThreadPool
    private let client: CurlHTTPClient
    /// Why each paused sink is paused (read by the task page too).
    let paused = Mutex([String: String]())
    /// Per sink, whether a delivery looks for an earlier copy first: read when `run()` starts
    /// (a sink missing here, because the mark could not be read, always looks).
    private let earlierCopyChecks = Mutex([String: EarlierCopyCheck]())
    /// Per sink, the "attempted through" mark as stored (raised before a batch goes beyond it).
    private let attemptedThrough = Mutex([String: Int64]())
    /// Per sink, the events attempted by this process whose outcome is not yet recorded in the store.
    private let unrecorded = Mutex([String: Set<Int64>]())

    /// Builds every sink (directory sinks create their directories now, so a bad path stops start-up).
    ///
    /// `monotonic` times the store writer's busy fraction. Seams for tests: `writerBusy` replaces
    /// that measurement, and `sinkOverrides` replaces the sink built for a configured name.
    init(
        store: TaskStore, configuration: SyncConfiguration, retainLocalDays: Double?, health: DaemonHealth,
        metrics: DaemonMetrics, logger: Logger, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, live: LiveConfiguration? = nil,
        monotonic: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        writerBusy: (@Sendable (inout BusyFraction) -> Double)? = nil, sinkOverrides: [String: any DownstreamSink] = [:]
    ) throws {
        self.store = store
        self.configuration = configuration
        self.retainLocalDays = retainLocalDays
        self.health = health
        self.metrics = metrics
        self.clock = clock
        self.jitter = jitter
        self.logger = logger
        let origin = monotonic()
        self.writerBusy = writerBusy ?? { [store] fraction in
            fraction.sample(busy: store.writerBusyTime, at: monotonic() - origin)
        }
        let fileSinks = configuration.sinks.filter { if case .webhook = $0.kind { false } else { true } }
        self.pool = NIOThreadPool(numberOfThreads: max(1, fileSinks.reduce(0) { $0 + $1.concurrency }))
        self.pool.start()
        // Its own curl threads: uploads never queue behind (or ahead of) image downloads.
        self.client = CurlHTTPClient(
            configuration: .init(
                threads: max(1, configuration.sinks.reduce(0) { $0 + $1.concurrency }), userAgent: "kontextd-sync",
                lowPriority: true))
        let work = BlockingFileWork(pool: pool)
        var runners: [Runner] = []
        for sink in configuration.sinks {
            if let override = sinkOverrides[sink.name] {
                runners.append(Runner(configuration: sink, sink: override))
                continue
            }
            let built: any DownstreamSink
            switch sink.kind {
            case .directory(let settings):
                do {
                    built = try DirectorySink(name: sink.name, settings: settings, work: work)
                } catch {
                    throw ConfigurationError(key: "sync.sink.\(sink.name).path", rule: "must be a writable directory (\(error))", value: settings.path)
                }
            case .s3(let settings):
                var s3 = S3Sink(name: sink.name, settings: settings, client: client, work: work)
                if let live {
                    let name = sink.name
                    s3.current = { @Sendable in live.current.sync.sink(named: name)?.s3Settings }
                }
                built = s3
            case .webhook(let settings):
                var webhook = WebhookSink(name: sink.name, settings: settings, client: client, clock: clock)
                if let live {
                    let name = sink.name
                    webhook.current = { @Sendable in live.current.sync.sink(named: name)?.webhookSettings }
                }
                built = webhook
            }
            runners.append(Runner(configuration: sink, sink: built))
        }
        self.runners = runners
        // A paused sink probes again at once after a reload (new credentials are its likely cure).
        live?.observe { [credentialsReloaded] _ in credentialsReloaded.advance() }
    }

    /// Advanced after every reload that changed a live key: a paused sink's wait ends early.
    let credentialsReloaded = EventLogWatch()

    /// The configured sink names.
    package var sinkNames: [String] { runners.map(\.configuration.name) }

    /// Runs every sink's loop (and local retention) until cancelled or gracefully shut down.
    package func run() async throws {
        // What earlier processes started attempting may have been on its way when they stopped.
        for name in sinkNames {
            guard let mark = try? await store.attemptedThrough(sink: name) else { continue }
            earlierCopyChecks.withLock { $0[name] = EarlierCopyCheck(attemptedBeforeStartThrough: mark) }
            attemptedThrough.withLock { $0[name] = mark }
        }
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for runner in self.runners {
                    group.addTask { await self.deliverForever(runner) }
                }
                if let days = self.retainLocalDays {
                    group.addTask { await self.retainForever(days: days) }
                }
                // The service lives until shutdown even with no sink: in a ServiceGroup a service
                // that returns ends the whole daemon.
                group.addTask {
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                }
                await group.waitForAll()
            }
        }
        // The loops have ended: nothing uses the sync threads any more.
        await shutdown()
    }

    /// Stops the sync threads once the loops have ended.
    private func shutdown() async {
        await client.shutdown()
        try? await pool.shutdownGracefully()
    }

    // MARK: Delivery

    private func deliverForever(_ runner: Runner) async {
        let name = runner.configuration.name
        var probeFailures = 0
        var busy = BusyFraction()
        var yielding = false
        metrics.syncYielding(sink: name, false)
        while !Task.isCancelled {
            let version = store.eventsAppended.version
            let now = clock()
            let due: [OutboxEntry]
            do {
                due = try await store.dueDeliveries(sink: name, now: now, limit: runner.configuration.concurrency * 4)
            } catch {
                logger.error("sync: cannot read the outbox", metadata: ["sink": "\(name)", "error": "\(error)"])
                await store.eventsAppended.wait(since: version, timeout: .seconds(5))
                continue
            }
            if due.isEmpty {
                let next = (try? await store.nextDeliveryTime(sink: name)) ?? nil
                // Wake for the next retry, for a new event, or every 5 s in case a clock jumped.
                let wait = min(5, max(0.01, (next ?? now + 5) - now))
                await store.eventsAppended.wait(since: version, timeout: .milliseconds(Int64(wait * 1000)))
                continue
            }
            let isPaused = paused.withLock { $0[name] != nil }
            // While paused, one delivery probes the sink; the rest wait for its verdict.
            let batch = isPaused ? Array(due.prefix(1)) : due
            // Before the attempt: a reload during it still cuts the pause's wait short.
            let reloads = credentialsReloaded.version
            let yieldsNow = ForegroundYield.yields(writerBusy: writerBusy(&busy), yielding: yielding)
            let concurrency = ForegroundYield.concurrency(configured: runner.configuration.concurrency, yielding: yieldsNow)
            if yieldsNow != yielding {
                yielding = yieldsNow
                metrics.syncYielding(sink: name, yieldsNow)
                logger.notice(
                    yieldsNow ? "sync: the store writer is busy; one delivery at a time" : "sync: the store writer has room; full concurrency",
                    metadata: ["sink": "\(name)", "writerBusy": "\(Int(busy.fraction * 100))%", "concurrency": "\(concurrency)"])
            }
            let pausedBy = await deliverBatch(batch, runner: runner, concurrency: concurrency)
            if let reason = pausedBy {
                if !isPaused {
                    logger.error("sync: sink paused", metadata: ["sink": "\(name)", "reason": "\(reason)"])
                }
                setPaused(name, reason: reason)
                probeFailures += 1
                let delay = min(configuration.pauseProbeInterval, configuration.initialBackoff * Double(1 << min(probeFailures, 16)))
                await credentialsReloaded.wait(since: reloads, timeout: .milliseconds(Int64(max(0.05, delay) * 1000)))
            } else if isPaused {
                probeFailures = 0
                logger.notice("sync: sink resumed", metadata: ["sink": "\(name)"])
                setPaused(name, reason: nil)
            }
        }
    }

    /// Delivers a batch, `concurrency` at once; returns the pause reason if the sink refused.
    private func deliverBatch(_ batch: [OutboxEntry], runner: Runner, concurrency: Int) async -> String? {
        let name = runner.configuration.name
        let check = earlierCopyChecks.withLock { $0[name] } ?? EarlierCopyCheck(attemptedBeforeStartThrough: .max)
        await raiseAttemptedThrough(batch, sink: name)
        let mayAlreadyBeThere = unrecorded.withLock { unrecorded -> [Int64: Bool] in
            var flags: [Int64: Bool] = [:]
            for entry in batch {
                flags[entry.event.id] = check.isNeeded(
                    eventID: entry.event.id, marked: entry.checkExisting, failedAttempts: entry.attempts,
                    attemptedInThisProcess: unrecorded[name, default: []].contains(entry.event.id))
                unrecorded[name, default: []].insert(entry.event.id)
            }
            return flags
        }
        let outcomes = await withTaskGroup(of: (OutboxEntry, SinkFailure?).self) { group in
            var outcomes: [(OutboxEntry, SinkFailure?)] = []
            var running = 0
            for entry in batch {
                if running >= concurrency, let done = await group.next() {
                    outcomes.append(done)
                    running -= 1
                }
                let mayBeThere = mayAlreadyBeThere[entry.event.id] ?? true
                group.addTask { (entry, await self.attempt(entry, sink: runner.sink, mayAlreadyBeThere: mayBeThere)) }
                running += 1
            }
            for await done in group { outcomes.append(done) }
            return outcomes
        }
        let now = clock()
        var delivered: [Int64] = []
        var pauseReason: String?
        for (entry, failure) in outcomes {
            guard let failure else {
                delivered.append(entry.event.id)
                continue
            }
            switch failure.kind {
            case .pause:
                pauseReason = failure.reason
            case .retry, .permanent:
                let decision = failure.kind == .permanent
                    ? .deadLetter
                    : configuration.policy.afterFailure(
                        attempts: entry.attempts + 1, eventTime: entry.event.createdAt, now: now, jitter: jitter())
                let retryAt: Double? = if case .retry(let at) = decision { at } else { nil }
                metrics.syncOutcome(sink: name, retryAt == nil ? "dead_letter" : "failed")
                if retryAt == nil {
                    logger.error("sync: delivery given up (dead letter)", metadata: [
                        "sink": "\(name)", "event": "\(entry.event.eventUUID)", "attempts": "\(entry.attempts + 1)", "reason": "\(failure.reason)",
                    ])
                } else {
                    logger.notice("sync: delivery failed; will retry", metadata: [
                        "sink": "\(name)", "event": "\(entry.event.eventUUID)", "attempt": "\(entry.attempts + 1)", "reason": "\(failure.reason)",
                    ])
                }
                do {
                    try await store.recordFailedDelivery(
                        sink: name, eventID: entry.event.id, retryAt: retryAt, reason: failure.reason, at: now)
                    recorded([entry.event.id], sink: name)
                } catch {
                    logger.error("sync: cannot record a failed delivery", metadata: ["sink": "\(name)", "error": "\(error)"])
                }
            }
        }
        if !delivered.isEmpty {
            do {
                try await store.markDelivered(sink: name, eventIDs: delivered, at: now)
                recorded(delivered, sink: name)
                metrics.syncOutcome(sink: name, "delivered", count: delivered.count)
            } catch {
                // The sink has them; they will be delivered again (idempotently) once the store recovers.
                logger.error("sync: cannot record deliveries", metadata: ["sink": "\(name)", "error": "\(error)"])
            }
        }
        return pauseReason
    }

    /// Stores, before the batch's attempts start, that attempts reach its newest event: a later
    /// process then knows these deliveries may have reached the sink. One write per batch, and
    /// none while the batch stays below the mark (retries).
    private func raiseAttemptedThrough(_ batch: [OutboxEntry], sink name: String) async {
        guard let newest = batch.map(\.event.id).max(), newest > attemptedThrough.withLock({ $0[name] ?? 0 }) else { return }
        do {
            try await store.raiseAttemptedThrough(sink: name, to: newest)
            attemptedThrough.withLock { $0[name] = max($0[name] ?? 0, newest) }
        } catch {
            // Delivery goes on: a later process that misses the mark uploads again (same key, same
            // bytes), without the HEAD that would have skipped it.
            logger.error("sync: cannot record the attempted-through mark", metadata: ["sink": "\(name)", "error": "\(error)"])
        }
    }

    /// Forgets events whose outcome the store now holds (a later attempt reads it from there).
    private func recorded(_ eventIDs: [Int64], sink: String) {
        unrecorded.withLock { unrecorded in
            for id in eventIDs { unrecorded[sink]?.remove(id) }
        }
    }

    /// One delivery attempt; nil on success.
    private func attempt(_ entry: OutboxEntry, sink: any DownstreamSink, mayAlreadyBeThere: Bool) async -> SinkFailure? {
        var image: ImageToSync?
        if entry.event.type == .imageStored {
            // The outbox query brought the result's local path along: no read per delivery.
            guard let path = entry.imagePath, let built = ImageToSync(event: entry.event, localPath: path) else {
                return .permanent("the event's image \(entry.event.imageUUID ?? "?") is not a stored result")
            }
            image = built
        }
        do {
            try await sink.deliver(SinkDelivery(event: entry.event, image: image, mayAlreadyBeThere: mayAlreadyBeThere))
            return nil
        } catch {
            return error
        }
    }

    private func setPaused(_ name: String, reason: String?) {
        let summary = paused.withLock { paused -> String? in
            paused[name] = reason
            guard !paused.isEmpty else { return nil }
            return paused.keys.sorted().map { "sink \($0) paused: \(paused[$0]!)" }.joined(separator: "; ")
        }
        if let summary { health.raise(.syncPaused, reason: summary) } else { health.clear(.syncPaused) }
    }

    // MARK: Local retention

    /// Deletes local images older than `days` once every sink confirmed them, once a minute.
    private func retainForever(days: Double) async {
        while !Task.isCancelled {
            let cutoff = clock() - days * 86_400
            do {
                let images = try await store.releasableImages(storedBefore: cutoff, sinks: imageSinkNames, limit: 500)
                for image in images {
                    if try await store.releaseLocalImage(imageUUID: image.imageUUID, at: clock()) {
                        let path = image.path
                        try await pool.runIfActive { try DurableFile.remove(path) }
                    }
                }
                if !images.isEmpty {
                    logger.info("released local images every sink confirmed", metadata: ["count": "\(images.count)"])
                    continue
                }
            } catch {
                logger.error("local retention failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(60))
        }
    }

    /// The sinks that receive images: only they must confirm before a local image goes.
    private var imageSinkNames: [String] {
        runners.filter { $0.configuration.kind.events.contains(.imageStored) }.map(\.configuration.name)
    }

    // MARK: Operating

    /// Every sink's outbox figures and pause state; updates `/healthz`'s dead-letter condition
    /// and the `/metrics` gauges as it goes.
    ///
    /// `countDelivered: false` leaves `delivered` at 0 and the gauges alone: the backlog figures
    /// cost what the backlog holds, the delivered count what the whole archive holds.
    package func status(countDelivered: Bool = true) async throws(StoreError) -> [SinkStatus] {
        let figures = try await store.outboxStatistics(sinks: sinkNames, countDelivered: countDelivered)
        let now = clock()
        let pausedNow = paused.withLock { $0 }
        let statuses = runners.map { runner in
            let name = runner.configuration.name
            let outbox = figures[name] ?? OutboxStatistics()
            return SinkStatus(
                name: name, type: runner.configuration.kind.typeName, outbox: outbox, pausedReason: pausedNow[name],
                oldestPendingAge: outbox.oldestPendingAt.map { max(0, now - $0) } ?? 0)
        }
        let dead = statuses.filter { $0.outbox.dead > 0 }
        if dead.isEmpty {
            health.clear(.syncDeadLetters)
        } else {
            health.raise(
                .syncDeadLetters,
                reason: dead.map { "sink \($0.name): \($0.outbox.dead) dead letters (last error: \($0.outbox.lastError ?? "?")); `kontextd sync retry --sink \($0.name)` puts them back" }
                    .joined(separator: "; "))
        }
        if countDelivered {
            for status in statuses { metrics.syncGauges(status) }
        }
        return statuses
    }

    /// Puts dead letters back (of one sink, or all); returns how many.
    package func retry(sink: String?) async throws -> Int {
        if let sink, !sinkNames.contains(sink) { throw UnknownSink(name: sink, known: sinkNames) }
        let count = try await store.retryDeadLetters(sink: sink, at: clock())
        _ = try? await status()
        return count
    }

    /// Enqueues everything already stored for one sink; returns how many deliveries were added.
    package func backfill(sink: String) async throws -> Int {
        guard let runner = runners.first(where: { $0.configuration.name == sink }) else {
            throw UnknownSink(name: sink, known: sinkNames)
        }
        return try await store.backfill(SinkSubscription(name: sink, events: runner.configuration.kind.events), at: clock())
    }

    /// A sink name that is not configured.
    package struct UnknownSink: Error, CustomStringConvertible {
        package let name: String
        package let known: [String]
        package var description: String {
            "sink: must be one of the configured sinks (\(known.isEmpty ? "none configured" : known.joined(separator: ", "))), got \(name)"
        }
    }
}
