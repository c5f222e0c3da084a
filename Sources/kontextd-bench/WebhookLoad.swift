import Foundation
import KontextCrypto
import KontextStore
import Logging

/// Durable webhook acknowledgements under wrk: full speed and at a fixed rate, each beside the
/// same load on a no-op responder, then longer rounds to watch memory.
///
/// Every request is a new result (fresh imageUUID) for one of `plan.webhookTasks` submitted
/// tasks, so each 200 is a committed `recordDelivery` (raw body + result row + task update).
/// So that ingestion does not distort these figures, the daemon's workers are not started
/// during them (`Daemon.start()` binds the listeners; the results wait, pending). A last run
/// starts the workers (`Daemon.run()`) and measures again while the result ingestor works
/// through the backlog: the image URLs point at an allowed host (127.0.0.1) that answers 404
/// at once, a permanent failure (and `images.maxFetchAttempts` = 1), so each result costs the
/// ingestor one short request and one write.
struct WebhookLoad {
    /// What the runs measured.
    struct Figures {
        var daemon: WrkReport
        var noOp: WrkReport
        var fixedRate: WrkReport
        var noOpFixedRate: WrkReport
        var idleMemory: Int
        var peakMemory: Int
        var memoryAfterRounds: [Int]
        var roundRates: [Double]
        var taskCreationSeconds: Double
        /// Results the store gained during each daemon run, beside the 200s wrk counted.
        var durability: [(run: String, acked: Int, stored: Int, generated: Int)]
        /// Bytes written to storage per result stored during the full-speed daemon run.
        var bytesWrittenPerAck: Int
        /// CPU seconds of this process (the daemon's threads) per 200, in the full-speed daemon run
        /// and while the no-op responder answered the same load.
        var cpuPerAck: Double
        var cpuPerNoOpResponse: Double
        /// `StoreProbe` rates: recordDelivery alone, and task lookup + recordDelivery.
        var storeRecordRate: Double
        var storeLookupRecordRate: Double
        /// The full-speed run with the workers running (ingestor failing each result at once).
        var withWorkers: WrkReport
        /// Results the ingestor resolved (failed) during that run.
        var ingestedDuringRun: Int
    }

    let plan: BenchPlan
    let scripts: String
    let logger: Logger
    let log: (String) -> Void

    func run() async throws -> Figures {
        let gone = try await LoopbackServer.start(ImmediateResponder(status: 404), name: "gone-images", logger: logger)
        let noOp = try await LoopbackServer.start(ImmediateResponder(status: 200), name: "no-op", logger: logger)
        let daemon = try await BenchDaemon.start(logger: logger) { configuration in
            configuration.images.maxFetchAttempts = 1
        }
        do {
            let figures = try await measure(daemon: daemon, noOp: noOp, imageBase: gone.baseURL + "/image")
            await daemon.stop()
            await noOp.stop()
            await gone.stop()
            return figures
        } catch {
            await daemon.stop()
            await noOp.stop()
            await gone.stop()
            throw error
        }
    }

    private func measure(daemon: BenchDaemon, noOp: LoopbackServer, imageBase: String) async throws -> Figures {
        try await Task.sleep(for: .milliseconds(500))
        let idle = ResidentMemory.current() ?? 0
        log("webhooks: daemon idle, RSS \(Formatting.mebibytes(idle))")

        let uuids = (0..<plan.webhookTasks).map { _ in UUID().uuidString.lowercased() }
        let creation = try await BenchTasks.create(
            uuids.map { BenchTasks.newTask(taskUUID: $0, numberResults: plan.webhookResultsPerTask) }, in: daemon.store)
        log("webhooks: created and submitted \(Formatting.count(uuids.count)) tasks via TaskStore in \(Formatting.seconds(creation))")
        let targets = daemon.directory + "/bench-webhook-targets.lua"
        try WebhookTargets.write(taskUUIDs: uuids, token: daemon.webhookToken(for:), to: targets)

        func load(_ url: String, seconds: Int, connections: Int, rate: Int?) -> WrkRun {
            var arguments = [targets, Hex.encode(MessageAuthentication.randomBytes(count: 4)), imageBase]
            if let rate { arguments += [String(rate), String(plan.wrkThreads)] }
            return WrkRun(
                threads: plan.wrkThreads, connections: connections, seconds: seconds, script: scripts + "/webhooks.lua",
                url: url, scriptArguments: arguments)
        }

        var durability: [(run: String, acked: Int, stored: Int, generated: Int)] = []
        var peak = idle
        func daemonRun(_ name: String, _ run: WrkRun) async throws -> WrkReport {
            let before = try await Self.resultCount(daemon.store)
            let sampler = ResidentMemorySampler()
            let report = try await run.run()
            peak = max(peak, await sampler.stop())
            // Requests cut off when wrk stopped may still be committing: let them land before counting.
            try await Task.sleep(for: .milliseconds(500))
            let stored = try await Self.resultCount(daemon.store) - before
            durability.append((name, report.scriptCounts["ok"] ?? -1, stored, report.scriptCounts["generated"] ?? -1))
            log("webhooks: \(name): \(Self.summary(report)); store gained \(Formatting.count(stored)) results")
            return report
        }

        let noOpCPUBefore = ProcessCPU.seconds()
        let noOpReport = try await load(noOp.baseURL, seconds: plan.webhookSeconds, connections: plan.wrkConnections, rate: nil).run()
        let cpuPerNoOpResponse = (ProcessCPU.seconds() - noOpCPUBefore) / Double(max(1, noOpReport.scriptCounts["ok"] ?? 0))
        log("webhooks: no-op responder, full speed: \(Self.summary(noOpReport))")
        let writesBefore = ProcessWrites.current() ?? 0
        let cpuBefore = ProcessCPU.seconds()
        let daemonReport = try await daemonRun(
            "daemon, full speed", load(daemon.webhookURL, seconds: plan.webhookSeconds, connections: plan.wrkConnections, rate: nil))
        // Includes the 500 ms daemonRun waits for stragglers: the daemon is idle then.
        let cpuPerAck = (ProcessCPU.seconds() - cpuBefore) / Double(max(1, daemonReport.scriptCounts["ok"] ?? 0))
        log("webhooks: CPU per durable ack \(Formatting.microseconds(cpuPerAck)), per no-op response \(Formatting.microseconds(cpuPerNoOpResponse))")

        let written = (ProcessWrites.current() ?? 0) - writesBefore
        let ackedInRun = max(1, durability.last?.stored ?? 1)
        log("webhooks: storage writes during that run: \(Formatting.mebibytes(written)), "
            + "\(Formatting.count(written / ackedInRun)) bytes per stored result")
        let probe = StoreProbe(
            store: daemon.store, taskUUIDs: uuids, concurrency: plan.wrkConnections, seconds: plan.probeSeconds)
        let recordRate = try await probe.run(.recordDelivery)
        let lookupRate = try await probe.run(.lookupThenRecord)
        log("webhooks: store alone, \(plan.wrkConnections) in flight: recordDelivery \(Formatting.rate(recordRate)), "
            + "task + recordDelivery \(Formatting.rate(lookupRate))")

        let noOpFixed = try await load(
            noOp.baseURL, seconds: plan.fixedRateSeconds, connections: plan.fixedRateConnections, rate: plan.fixedRate
        ).run()
        log("webhooks: no-op responder at \(plan.fixedRate)/s: \(Self.summary(noOpFixed))")
        let fixed = try await daemonRun(
            "daemon at \(plan.fixedRate)/s",
            load(daemon.webhookURL, seconds: plan.fixedRateSeconds, connections: plan.fixedRateConnections, rate: plan.fixedRate))

        var after: [Int] = []
        var rates: [Double] = []
        for round in 1...max(1, plan.longRounds) {
            let report = try await daemonRun(
                "long run round \(round)/\(plan.longRounds)",
                load(daemon.webhookURL, seconds: plan.longRoundSeconds, connections: plan.wrkConnections, rate: nil))
            rates.append(Double(report.scriptCounts["ok"] ?? 0) / max(report.seconds, 1e-9))
            let rss = ResidentMemory.current() ?? 0
            after.append(rss)
            log("webhooks: after round \(round): RSS \(Formatting.mebibytes(rss))")
        }
        let resolvedBefore = try await daemon.store.resultCounts()[.failed] ?? 0
        daemon.runWorkers()
        let withWorkers = try await daemonRun(
            "daemon, full speed, workers running",
            load(daemon.webhookURL, seconds: plan.webhookSeconds, connections: plan.wrkConnections, rate: nil))
        let resolved = (try await daemon.store.resultCounts()[.failed] ?? 0) - resolvedBefore
        log("webhooks: the ingestor resolved \(Formatting.count(resolved)) results (404, failed at once) during that run")
        let results = try await daemon.store.resultCounts()
        log("webhooks: store now holds results by state: " + results.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.key.rawValue) \(Formatting.count($0.value))" }.joined(separator: ", "))
        return Figures(
            daemon: daemonReport, noOp: noOpReport, fixedRate: fixed, noOpFixedRate: noOpFixed, idleMemory: idle,
            peakMemory: peak, memoryAfterRounds: after, roundRates: rates, taskCreationSeconds: creation,
            durability: durability, bytesWrittenPerAck: written / ackedInRun, cpuPerAck: cpuPerAck,
            cpuPerNoOpResponse: cpuPerNoOpResponse, storeRecordRate: recordRate, storeLookupRecordRate: lookupRate, withWorkers: withWorkers, ingestedDuringRun: resolved)
    }

    static func resultCount(_ store: TaskStore) async throws -> Int {
        try await store.resultCounts().values.reduce(0, +)
    }

    /// One line about a wrk run: rate of 200s, latency percentiles, anything that went wrong.
    static func summary(_ report: WrkReport) -> String {
        let ok = report.scriptCounts["ok"] ?? (report.requests - report.non2xx)
        var text = "\(Formatting.rate(Double(ok) / max(report.seconds, 1e-9))) 200s "
            + "(\(Formatting.count(ok)) in \(Formatting.seconds(report.seconds))), "
            + "p50 \(Formatting.milliseconds(report.latency(50))), p99 \(Formatting.milliseconds(report.latency(99)))"
        if report.non2xx > 0 { text += ", \(Formatting.count(report.non2xx)) non-2xx" }
        if report.socketErrors > 0 { text += ", \(Formatting.count(report.socketErrors)) socket errors" }
        return text
    }
}
