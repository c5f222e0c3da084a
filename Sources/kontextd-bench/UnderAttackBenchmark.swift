import Foundation
import KontextCrypto
import KontextDaemon
import Logging

/// Legitimate webhooks while the listener is attacked: the same wrk load on the daemon without and
/// then with `HostileClients` holding 1,000 hostile connections open (slow heads, 30 MiB bodies
/// with wrong tokens, oversize chunked bodies), and the process's peak RSS during the attack.
///
/// The daemon runs with its default webhook limits (512 connections, 10 s head deadline, 64 MiB
/// buffered across connections), so what is measured is what a deployment gets. Its workers are
/// not started, as in the webhook figures: each 200 is a committed delivery.
struct UnderAttackBenchmark {
    /// What the runs measured.
    struct Figures {
        var unattacked: WrkReport
        var attacked: WrkReport
        var idleMemory: Int
        var peakMemory: Int
        var tally: HostileClients.Tally
        var hostileConnections: Int
        var seconds: Int
        var connections: Int
        /// How long the attack ran (ramp-up included), in seconds.
        var attackSeconds: Double
    }

    let plan: BenchPlan
    let scripts: String
    let logger: Logger
    let log: (String) -> Void

    func run() async throws -> Figures {
        // 1,000 attacker sockets here plus up to 512 accepted ones in the daemon, in one process.
        let limit = FileDescriptorLimit.raiseSoftLimit()
        log("under attack: open-file limit \(limit.map(String.init) ?? "unknown")")
        let gone = try await LoopbackServer.start(ImmediateResponder(status: 404), name: "gone-images", logger: logger)
        let daemon = try await BenchDaemon.start(logger: logger) { configuration in
            configuration.images.maxFetchAttempts = 1
        }
        do {
            let figures = try await measure(daemon: daemon, imageBase: gone.baseURL + "/image")
            await daemon.stop()
            await gone.stop()
            return figures
        } catch {
            await daemon.stop()
            await gone.stop()
            throw error
        }
    }

    private func measure(daemon: BenchDaemon, imageBase: String) async throws -> Figures {
        guard let port = daemon.daemon.ports?.webhook else { throw BenchError("the bench daemon has no webhook port") }
        let uuids = (0..<plan.attackTasks).map { _ in UUID().uuidString.lowercased() }
        _ = try await BenchTasks.create(
            uuids.map { BenchTasks.newTask(taskUUID: $0, numberResults: plan.webhookResultsPerTask) }, in: daemon.store)
        let targets = daemon.directory + "/bench-attack-targets.lua"
        try WebhookTargets.write(taskUUIDs: uuids, token: daemon.webhookToken(for:), to: targets)
        let load = WrkRun(
            threads: plan.wrkThreads, connections: plan.attackWrkConnections, seconds: plan.attackSeconds,
            script: scripts + "/webhooks.lua", url: daemon.webhookURL,
            scriptArguments: [targets, Hex.encode(MessageAuthentication.randomBytes(count: 4)), imageBase])

        try await Task.sleep(for: .milliseconds(500))
        let idle = ResidentMemory.current() ?? 0
        let unattacked = try await load.run()
        log("under attack: unattacked, -c\(plan.attackWrkConnections): \(WebhookLoad.summary(unattacked))")

        let sampler = ResidentMemorySampler()
        let attackStarted = ContinuousClock.now
        let attack = HostileClients(port: port, count: plan.hostileConnections, taskUUID: uuids[0])
        // Let the attackers connect and the slow heads settle in before measuring.
        try await Task.sleep(for: .seconds(2))
        log("under attack: \(Formatting.count(plan.hostileConnections)) hostile connections, "
            + String(format: "%.0f", attack.meanOpen) + " open on average so far")
        let attacked = try await load.run()
        let tally = await attack.stop()
        let attackSeconds = (ContinuousClock.now - attackStarted).seconds
        let peak = await sampler.stop()
        log("under attack: attacked, -c\(plan.attackWrkConnections): \(WebhookLoad.summary(attacked)); "
            + "RSS peak \(Formatting.mebibytes(peak)) (idle \(Formatting.mebibytes(idle)))")
        log("under attack: hostile connections opened \(Self.byKind(tally.opened)), closed by the daemon "
            + "\(Self.byKind(tally.closedByDaemon)), answers \(Self.statuses(tally)), "
            + "\(Formatting.mebibytes(tally.bodyBytesSent)) of hostile body taken by the kernel, "
            + String(format: "%.0f", tally.meanOpen) + " open on average")
        return Figures(
            unattacked: unattacked, attacked: attacked, idleMemory: idle, peakMemory: peak, tally: tally,
            hostileConnections: plan.hostileConnections, seconds: plan.attackSeconds, connections: plan.attackWrkConnections,
            attackSeconds: attackSeconds)
    }

    static func byKind(_ counts: [HostileClients.Kind: Int]) -> String {
        HostileClients.Kind.allCases.map { "\($0): \(Formatting.count(counts[$0] ?? 0))" }.joined(separator: ", ")
    }

    static func statuses(_ tally: HostileClients.Tally) -> String {
        var merged: [Int: Int] = [:]
        for (_, statuses) in tally.statuses { merged.merge(statuses, uniquingKeysWith: +) }
        guard !merged.isEmpty else { return "none" }
        return merged.sorted { $0.key < $1.key }.map { "\($0.key)×\(Formatting.count($0.value))" }.joined(separator: " ")
    }
}
