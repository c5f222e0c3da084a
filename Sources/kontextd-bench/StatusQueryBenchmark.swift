import Foundation
import KontextCrypto
import Logging

/// `GET /v1/tasks/{uuid}` per second under wrk, over random task UUIDs of a store holding
/// `plan.statusTasks` tasks (each completed with one stored result), beside the same load on
/// the no-op responder.
struct StatusQueryBenchmark {
    /// What was measured.
    struct Figures {
        var tasks: Int
        var loadSeconds: Double
        var databaseBytes: Int
        var daemon: WrkReport
        var noOp: WrkReport
        var peakMemory: Int
        /// RSS with the daemon started on the loaded store, before any query.
        var memoryBefore: Int
    }

    let plan: BenchPlan
    let scripts: String
    let logger: Logger
    let log: (String) -> Void

    func run() async throws -> Figures {
        let directory = BenchDaemon.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let prefix = Hex.encode(MessageAuthentication.randomBytes(count: 4))
        let path = directory + "/kontextd.sqlite3"
        let loadSeconds: Double
        do {
            loadSeconds = try await BulkTaskLoader.loadInChildProcess(path: path, count: plan.statusTasks, prefix: prefix)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        log("status: bulk-loaded \(Formatting.count(plan.statusTasks)) tasks (+1 result each) in \(Formatting.seconds(loadSeconds)), "
            + "database \(Formatting.mebibytes(size))")

        let noOp = try await LoopbackServer.start(ImmediateResponder(status: 200), name: "no-op", logger: logger)
        let daemon: BenchDaemon
        do {
            daemon = try await BenchDaemon.start(directory: directory, logger: logger)
        } catch {
            await noOp.stop()
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        daemon.runWorkers()
        do {
            func load(_ url: String) -> WrkRun {
                WrkRun(
                    threads: plan.wrkThreads, connections: plan.wrkConnections, seconds: plan.statusSeconds,
                    script: scripts + "/status.lua", url: url, scriptArguments: [prefix, String(plan.statusTasks)])
            }
            let before = ResidentMemory.current() ?? 0
            let noOpReport = try await load(noOp.baseURL).run()
            log("status: no-op responder: \(WebhookLoad.summary(noOpReport))")
            let sampler = ResidentMemorySampler()
            let report = try await load(daemon.adminURL).run()
            let peak = await sampler.stop()
            log("status: daemon: \(WebhookLoad.summary(report)), RSS peak \(Formatting.mebibytes(peak))")
            await daemon.stop()
            await noOp.stop()
            return Figures(
                tasks: plan.statusTasks, loadSeconds: loadSeconds, databaseBytes: size, daemon: report, noOp: noOpReport,
                peakMemory: peak, memoryBefore: before)
        } catch {
            await daemon.stop()
            await noOp.stop()
            throw error
        }
    }
}
