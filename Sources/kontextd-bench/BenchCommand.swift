import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// `kontextd-bench` (`make bench`): runs an in-process kontextd on loopback under load and prints
/// each figure beside a baseline measured in the same run, then a summary table.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kontextd-bench",
        abstract: "Measure kontextd: durable webhook acks, latency, image ingestion, status queries, memory, acks under attack.")

    /// The parts of the bench that can be run alone.
    enum Part: String, ExpressibleByArgument, CaseIterable {
        case webhooks, ingestion, status, dashboard, attack, sync
    }

    @Flag(help: "A short smoke run: 3-second wrk runs, 2,000 webhook tasks, 200 images, 100,000 status tasks.")
    var quick = false

    @Option(help: "Run only these parts (repeatable): webhooks, ingestion, status, dashboard, attack, sync. Default: all.")
    var only: [Part] = []

    @Option(help: "Directory holding webhooks.lua and status.lua. Default: scripts/bench of this checkout.")
    var scripts: String?

    @Option(help: .hidden)
    var renderImagesTo: String?

    /// `<database path>,<count>,<prefix>`: the child process of `BulkTaskLoader.loadInChildProcess`.
    @Option(help: .hidden)
    var bulkLoad: String?

    func run() async throws {
        if let renderImagesTo {
            // The child process of IngestionImages.renderInChildProcess.
            try IngestionImages.render().write(to: renderImagesTo)
            return
        }
        if let bulkLoad {
            let parts = bulkLoad.split(separator: ",").map(String.init)
            guard parts.count == 3, let count = Int(parts[1]) else { throw BenchError("--bulk-load \(bulkLoad): expected PATH,COUNT,PREFIX") }
            try await BulkTaskLoader.load(path: parts[0], count: count, prefix: parts[2])
            return
        }
        let plan = quick ? BenchPlan.quick : BenchPlan.standard
        let scripts = try locateScripts()
        var logger = Logger(label: "kontextd-bench")
        logger.logLevel = .critical
        // Unbuffered, so progress shows as it happens even when piped.
        let log: (String) -> Void = { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        let parts = only.isEmpty ? Part.allCases : only
        log("kontextd-bench: \(quick ? "quick" : "standard") plan on \(ProcessInfo.processInfo.activeProcessorCount) cores; "
            + "wrk -t\(plan.wrkThreads) -c\(plan.wrkConnections); scripts in \(scripts)")
        let started = ContinuousClock.now
        var table = BenchTable()

        // Ingestion first: the daemon runs in this process, and its memory figure should not
        // carry what the webhook phase's half a million results left in the heap.
        if parts.contains(.ingestion) {
            settleStorage()
            let figures = try await IngestionBenchmark(plan: plan, logger: logger, log: log).run()
            BenchReport.ingestion(figures, into: &table)
        }
        if parts.contains(.webhooks) {
            settleStorage()
            let figures = try await WebhookLoad(plan: plan, scripts: scripts, logger: logger, log: log).run()
            BenchReport.webhooks(figures, plan: plan, into: &table)
        }
        if parts.contains(.status) {
            settleStorage()
            let figures = try await StatusQueryBenchmark(plan: plan, scripts: scripts, logger: logger, log: log).run()
            BenchReport.status(figures, into: &table)
        }
        if parts.contains(.dashboard) {
            settleStorage()
            let figures = try await DashboardBenchmark(plan: plan, logger: logger, log: log).run()
            BenchReport.dashboard(figures, into: &table)
        }
        if parts.contains(.attack) {
            settleStorage()
            let figures = try await UnderAttackBenchmark(plan: plan, scripts: scripts, logger: logger, log: log).run()
            BenchReport.underAttack(figures, into: &table)
        }
        if parts.contains(.sync) {
            settleStorage()
            let figures = try await SyncBenchmark(plan: plan, scripts: scripts, logger: logger, log: log).run()
            BenchReport.sync(figures, into: &table)
        }
        log("")
        log("kontextd-bench summary (whole bench \(Formatting.seconds((ContinuousClock.now - started).seconds)))")
        log(table.render())
    }

    /// Writes back every dirty page before a part starts (`sync(2)`): ingestion leaves about a
    /// gigabyte of image files behind, and their writeback, left to the kernel, lands in the next
    /// part's fsyncs — one part's disk work billed to another's figure.
    private func settleStorage() {
        Glibc.sync()
    }

    private func locateScripts() throws -> String {
        var candidates: [String] = []
        if let scripts { candidates.append(scripts) }
        candidates.append(FileManager.default.currentDirectoryPath + "/scripts/bench")
        // This file is Sources/kontextd-bench/BenchCommand.swift of the checkout.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(checkout.path + "/scripts/bench")
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate + "/webhooks.lua") {
            return candidate
        }
        throw BenchError("no webhooks.lua in any of \(candidates); pass --scripts DIR")
    }
}
