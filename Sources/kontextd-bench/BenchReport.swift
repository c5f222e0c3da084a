/// Turns each part's figures into rows of the summary table, with targets and verdicts.
enum BenchReport {
    /// The 100 MB memory target, in bytes.
    static let memoryTarget = 100 * 1_000_000

    static func webhooks(_ figures: WebhookLoad.Figures, plan: BenchPlan, into table: inout BenchTable) {
        let daemon = figures.daemon
        let acks = Double(daemon.scriptCounts["ok"] ?? 0) / max(daemon.seconds, 1e-9)
        let ceiling = Double(figures.noOp.scriptCounts["ok"] ?? 0) / max(figures.noOp.seconds, 1e-9)
        table.add(
            "durable webhook acks/s (wrk -t\(plan.wrkThreads) -c\(plan.wrkConnections), \(plan.webhookSeconds) s, workers idle)",
            Formatting.rate(acks), baseline: "no-op \(Formatting.rate(ceiling))", target: "≥ 10,000/s", met: acks >= 10_000)
        table.add(
            "webhook latency p50 / p99 at full speed",
            "\(Formatting.milliseconds(daemon.latency(50))) / \(Formatting.milliseconds(daemon.latency(99)))",
            baseline: "no-op \(Formatting.milliseconds(figures.noOp.latency(50))) / \(Formatting.milliseconds(figures.noOp.latency(99)))")
        table.add(
            "  store alone, no HTTP (\(plan.wrkConnections) in flight): recordDelivery",
            Formatting.rate(figures.storeRecordRate),
            baseline: "with task lookup first \(Formatting.rate(figures.storeLookupRecordRate))")
        table.add(
            "  daemon CPU per durable ack (user + system, all its threads)", Formatting.microseconds(figures.cpuPerAck),
            baseline: "no-op responder \(Formatting.microseconds(figures.cpuPerNoOpResponse)) per 200")
        table.add(
            "  storage bytes written per durable ack (/proc/self/io)", Formatting.count(figures.bytesWrittenPerAck),
            baseline: "request body ~250 bytes")
        let busy = figures.withWorkers
        table.add(
            "  same, with workers running (ingestor failed \(Formatting.count(figures.ingestedDuringRun)) results meanwhile)",
            Formatting.rate(Double(busy.scriptCounts["ok"] ?? 0) / max(busy.seconds, 1e-9)),
            baseline: "p99 \(Formatting.milliseconds(busy.latency(99)))")
        let fixed = figures.fixedRate
        let fixedRate = Double(fixed.scriptCounts["ok"] ?? 0) / max(fixed.seconds, 1e-9)
        let p99 = fixed.latency(99)
        table.add(
            "webhook p99 at \(Formatting.count(plan.fixedRate))/s (Lua delay() pacing; got \(Formatting.rate(fixedRate)))",
            Formatting.milliseconds(p99), baseline: "no-op \(Formatting.milliseconds(figures.noOpFixedRate.latency(99)))",
            target: "< 10 ms", met: p99.map { $0 < 10 && fixedRate >= Double(plan.fixedRate) * 0.95 })
        let exact = figures.durability.allSatisfy { $0.stored == $0.acked }
        let bounded = figures.durability.allSatisfy { $0.stored >= $0.acked && $0.stored <= $0.generated }
        let acked = figures.durability.reduce(0) { $0 + $1.acked }
        let stored = figures.durability.reduce(0) { $0 + $1.stored }
        table.add(
            "results stored vs 200s acked (\(figures.durability.count) daemon runs)",
            "\(Formatting.count(stored)) stored, \(Formatting.count(acked)) acked",
            baseline: exact ? "equal in every run" : "extra = cut off in flight at wrk's stop",
            target: "stored = acked", met: exact || bounded)
        table.add(
            "task creation via TaskStore (enqueue + markSubmitted)",
            Formatting.rate(Double(plan.webhookTasks) / max(figures.taskCreationSeconds, 1e-9)),
            baseline: "\(Formatting.count(plan.webhookTasks)) tasks")
        table.add("RSS idle (daemon started, no load)", Formatting.mebibytes(figures.idleMemory))
        table.add(
            "RSS peak under webhook load", Formatting.mebibytes(figures.peakMemory),
            baseline: "idle \(Formatting.mebibytes(figures.idleMemory))", target: "< 100 MB",
            met: figures.peakMemory < memoryTarget)
        let rounds = figures.memoryAfterRounds
        if let first = rounds.first, let last = rounds.last {
            let growth = last - first
            table.add(
                "RSS after each of \(rounds.count) × \(plan.longRoundSeconds) s webhook rounds",
                rounds.map(Formatting.mebibytes).joined(separator: " → "),
                baseline: "acks/s " + figures.roundRates.map(Formatting.rate).joined(separator: ", "),
                target: "no growth (≤ 5% or 4 MiB)", met: growth <= max(4 << 20, first / 20))
        }
    }

    static func ingestion(_ figures: IngestionBenchmark.Figures, into table: inout BenchTable) {
        let bytes = figures.bytes
        let megabytesPerSecond = Double(bytes) / 1_000_000 / max(figures.seconds, 1e-9)
        table.add(
            "image ingestion (\(figures.images) × ~1 MB, \(figures.stored) stored, \(figures.failed) failed)",
            Formatting.megabytesPerSecond(bytes, seconds: figures.seconds),
            baseline: "download only \(Formatting.megabytesPerSecond(bytes, seconds: figures.downloadSeconds))",
            target: "> 200 MB/s", met: megabytesPerSecond > 200 && figures.failed == 0)
        table.add(
            "image ingestion images/s (images.concurrency \(figures.concurrency))",
            String(format: "%.1f/s", Double(figures.stored) / max(figures.seconds, 1e-9)),
            baseline: String(format: "download only %.1f/s", Double(figures.images) / max(figures.downloadSeconds, 1e-9)))
        table.add(
            "  parts alone: SHA-256 / durable file write (1 thread)",
            Formatting.megabytesPerSecond(bytes, seconds: figures.hashSeconds) + " / "
                + Formatting.megabytesPerSecond(bytes, seconds: figures.fileStoreSeconds))
        table.add(
            "RSS peak during ingestion (bench's image server in-process)", Formatting.mebibytes(figures.peakMemory),
            baseline: "before \(Formatting.mebibytes(figures.memoryBefore))", target: "< 100 MB",
            met: figures.peakMemory < memoryTarget)
    }

    static func dashboard(_ figures: DashboardBenchmark.Figures, into table: inout BenchTable) {
        for page in figures.pages {
            let p99 = DashboardBenchmark.percentile(page.serverMilliseconds, 99)
            table.add(
                "dashboard \(page.name), \(Formatting.count(figures.tasks)) tasks: server time p99 (Server-Timing)",
                Formatting.milliseconds(p99),
                baseline: "p50 \(Formatting.milliseconds(DashboardBenchmark.percentile(page.serverMilliseconds, 50))); "
                    + "client p99 \(Formatting.milliseconds(DashboardBenchmark.percentile(page.clientMilliseconds, 99)))",
                target: "< 50 ms", met: (p99 ?? .infinity) < 50)
        }
    }

    static func status(_ figures: StatusQueryBenchmark.Figures, into table: inout BenchTable) {
        let daemon = figures.daemon
        let rate = Double(daemon.scriptCounts["ok"] ?? 0) / max(daemon.seconds, 1e-9)
        let ceiling = Double(figures.noOp.scriptCounts["ok"] ?? 0) / max(figures.noOp.seconds, 1e-9)
        table.add(
            "status queries/s, \(Formatting.count(figures.tasks)) tasks (p99 \(Formatting.milliseconds(daemon.latency(99))))",
            Formatting.rate(rate), baseline: "no-op \(Formatting.rate(ceiling))",
            target: "all 200", met: (daemon.scriptCounts["other"] ?? 1) == 0 && daemon.socketErrors == 0)
        table.add(
            "  bulk load of the status store", Formatting.seconds(figures.loadSeconds),
            baseline: Formatting.mebibytes(figures.databaseBytes) + " database", target: "≤ ~2 min",
            met: figures.loadSeconds <= 120)
        table.add(
            "RSS peak under status load", Formatting.mebibytes(figures.peakMemory),
            baseline: "before \(Formatting.mebibytes(figures.memoryBefore))", target: "< 100 MB",
            met: figures.peakMemory < memoryTarget)
    }

    /// The 150 MB memory target under attack, in bytes.
    static let attackMemoryTarget = 150 * 1_000_000

    static func underAttack(_ figures: UnderAttackBenchmark.Figures, into table: inout BenchTable) {
        func rate(_ report: WrkReport) -> Double {
            Double(report.scriptCounts["ok"] ?? 0) / max(report.seconds, 1e-9)
        }
        let calm = rate(figures.unattacked)
        let attacked = rate(figures.attacked)
        let tally = figures.tally
        table.add(
            "webhook acks/s under attack (\(Formatting.count(figures.hostileConnections)) hostile connections: slow heads, "
                + "30 MiB wrong-token bodies, oversize bodies; wrk -c\(figures.connections), \(figures.seconds) s)",
            Formatting.rate(attacked),
            baseline: "unattacked \(Formatting.rate(calm)); non-2xx \(figures.attacked.non2xx) "
                + "(409 from an over-filled task: \(figures.attacked.scriptCounts["full"] ?? 0))",
            target: "≥ 50% of unattacked",
            // 409s from tasks the random load over-filled are correct answers, not failures.
            met: attacked >= calm * 0.5 && figures.attacked.non2xx - (figures.attacked.scriptCounts["full"] ?? 0) == 0)
        let p99 = figures.attacked.latency(99)
        table.add(
            "webhook p99 under attack", Formatting.milliseconds(p99),
            baseline: "unattacked \(Formatting.milliseconds(figures.unattacked.latency(99)))", target: "< 50 ms",
            met: p99.map { $0 < 50 })
        table.add(
            "RSS peak under attack", Formatting.mebibytes(figures.peakMemory),
            baseline: "idle \(Formatting.mebibytes(figures.idleMemory))", target: "< 150 MB",
            met: figures.peakMemory < attackMemoryTarget)
        let opened = tally.opened.values.reduce(0, +)
        table.add(
            "  hostile connections opened (mean open " + String(format: "%.0f", tally.meanOpen) + "), answers",
            "\(Formatting.count(opened)) (\(Formatting.rate(Double(opened) / max(figures.attackSeconds, 1e-9)))), "
                + UnderAttackBenchmark.statuses(tally),
            baseline: "\(Formatting.mebibytes(tally.bodyBytesSent)) hostile body sent")
    }

    static func sync(_ figures: SyncBenchmark.Figures, into table: inout BenchTable) {
        let kontextd = Double(figures.bytes) / max(figures.kontextdSeconds, 1e-9)
        let boto3 = Double(figures.bytes) / max(figures.boto3Seconds, 1e-9)
        let cpu = figures.motoCPUPerImage
        table.add(
            "S3 sync to moto (\(figures.images) × 1 MiB, \(figures.concurrency) at once; PUT + sidecar PUT, SigV4)",
            "\(Formatting.megabytesPerSecond(figures.bytes, seconds: figures.kontextdSeconds)), "
                + "\(Formatting.rate(Double(figures.images) / max(figures.kontextdSeconds, 1e-9))) images; "
                + "moto CPU \(SyncBenchmark.milliseconds(cpu.kontextd))/image",
            baseline: "boto3 put_object, same files, same server: \(Formatting.megabytesPerSecond(figures.bytes, seconds: figures.boto3Seconds)) "
                + "(moto CPU \(SyncBenchmark.milliseconds(cpu.boto3))/image); boto3 with kontextd's sidecar PUT: "
                + "\(Formatting.megabytesPerSecond(figures.bytes, seconds: figures.boto3SameWorkSeconds)) "
                + "(\(SyncBenchmark.milliseconds(cpu.boto3SameWork))/image)",
            target: "≥ boto3", met: kontextd >= boto3)
        let ratio = figures.acksWithSink / max(figures.acksWithoutSink, 1e-9)
        table.add(
            "durable webhook acks/s while a directory sink drains (\(Formatting.count(figures.drainedDuringRun)) images per run; mean of alternating runs)",
            "\(Formatting.rate(figures.acksWithSink)) (\(String(format: "%.0f", ratio * 100))%)",
            baseline: "no sink \(Formatting.rate(figures.acksWithoutSink))", target: "≥ 90%", met: ratio >= 0.9)
    }
}
