import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import KontextStore
import Logging

/// Downstream sync: upload throughput to moto's S3 server beside boto3 uploading the same files
/// to the same server in the same run; and durable webhook acks/s while a sink drains a backlog,
/// beside the same load with no sink.
struct SyncBenchmark {
    struct Figures {
        var images: Int
        var bytes: Int
        var kontextdSeconds: Double
        var boto3Seconds: Double
        /// boto3 making the requests kontextd makes per image (image PUT + sidecar PUT).
        var boto3SameWorkSeconds: Double
        /// moto's CPU seconds per image (its process's user + system time over the phase):
        /// moto is one Python process, so its CPU per request is what bounds every client.
        var motoCPUPerImage: (kontextd: Double, boto3: Double, boto3SameWork: Double)
        var concurrency: Int
        var acksWithoutSink: Double
        var acksWithSink: Double
        var drainedDuringRun: Int
    }

    let plan: BenchPlan
    let scripts: String
    let logger: Logger
    let log: (String) -> Void

    /// The checkout (scripts is `<checkout>/scripts/bench`).
    private var checkout: String { URL(fileURLWithPath: scripts).deletingLastPathComponent().deletingLastPathComponent().path }

    private var python: String {
        get throws {
            let candidates = [ProcessInfo.processInfo.environment["KONTEXTD_TEST_VENV"], checkout + "/.venv-test"].compactMap { $0 }
            guard let found = candidates.map({ $0 + "/bin/python" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
            else { throw BenchError("the sync bench needs moto and boto3: run scripts/test-env.sh (no venv in \(candidates))") }
            return found
        }
    }

    func run() async throws -> Figures {
        var figures = try await uploads()
        let acks = try await acksWithDrainingSink()
        figures.acksWithoutSink = acks.without
        figures.acksWithSink = acks.with
        figures.drainedDuringRun = acks.drained
        return figures
    }

    // MARK: Upload throughput

    private func uploads() async throws -> Figures {
        let moto = Process()
        let input = Pipe()
        let output = Pipe()
        moto.executableURL = URL(fileURLWithPath: try python)
        moto.arguments = [checkout + "/scripts/test/moto_s3.py", "bench"]
        moto.standardInput = input
        moto.standardOutput = output
        moto.standardError = FileHandle.nullDevice
        try moto.run()
        defer {
            // moto_s3.py serves until its stdin closes.
            try? input.fileHandleForWriting.close()
            moto.waitUntilExit()
        }
        var line: [UInt8] = []
        while let byte = output.fileHandleForReading.readData(ofLength: 1).first, byte != UInt8(ascii: "\n") { line.append(byte) }
        let server = try JSONCoding.parse(line)
        guard let endpoint = server["endpoint"]?.stringValue, let key = server["accessKeyId"]?.stringValue,
            let secret = server["secretAccessKey"]?.stringValue, let bucket = server["bucket"]?.stringValue
        else { throw BenchError("moto_s3.py printed \(String(decoding: line, as: UTF8.self))") }
        log("sync: moto S3 server at \(endpoint), signature checking on")
        let motoCPU = { ProcessCPU.seconds(process: moto.processIdentifier) }

        let concurrency = 8
        let count = plan.syncImages
        let daemon = try await BenchDaemon.start(logger: logger) { configuration in
            configuration.sync.sinks = [
                SinkConfiguration(
                    name: "bench", concurrency: concurrency,
                    kind: .s3(S3SinkSettings(
                        endpoint: endpoint, region: "us-east-1", bucket: bucket, prefix: "kontextd/",
                        keyTemplate: try! ObjectKeyTemplate(ObjectKeyTemplate.defaultTemplate), pathStyle: true,
                        accessKeyID: key, secretAccessKey: secret)))
            ]
        }
        do {
            // The same ~1 MB files for both: stored by the daemon (outbox rows), and in files/ for boto3.
            let files = daemon.directory + "/files"
            try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
            let bytes = try await Self.storeImages(count: count, size: 1 << 20, in: daemon, copyTo: files)
            log("sync: \(count) images of 1 MiB stored with their outbox rows")

            // moto's first requests import and build its S3 app: a warm-up by boto3 (16 files and
            // their sidecars, not timed) so that neither timed client pays for that.
            let warmUp = daemon.directory + "/warm-up"
            try FileManager.default.createDirectory(atPath: warmUp, withIntermediateDirectories: true)
            for index in 0..<16 {
                FileManager.default.createFile(atPath: warmUp + "/\(index).jpg", contents: Data(MessageAuthentication.randomBytes(count: 1 << 20)))
            }
            _ = try boto3Upload(
                endpoint: endpoint, key: key, secret: secret, bucket: bucket, prefix: "warm-up/", concurrency: concurrency,
                files: warmUp, sidecar: true, motoCPU: motoCPU)

            let cpuBefore = motoCPU()
            let started = ContinuousClock.now
            daemon.runWorkers()
            while try await daemon.store.outboxStatistics(sinks: ["bench"])["bench"]?.pending ?? 0 > 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let kontextd = (ContinuousClock.now - started).seconds
            let kontextdCPU = (motoCPU() - cpuBefore) / Double(count)
            log("sync: kontextd uploaded \(count) images (PUT + sidecar PUT each: fresh deliveries send no HEAD) in "
                + "\(Formatting.seconds(kontextd)): \(Formatting.megabytesPerSecond(bytes, seconds: kontextd)); "
                + "moto CPU \(Self.milliseconds(kontextdCPU)) per image")

            // The target's baseline: one put_object per file. Then boto3 doing kontextd's work.
            let (boto3, boto3CPU) = try boto3Upload(
                endpoint: endpoint, key: key, secret: secret, bucket: bucket, prefix: "boto3/", concurrency: concurrency,
                files: files, sidecar: false, motoCPU: motoCPU)
            log("sync: boto3 put_object of the same files, \(concurrency) at once: \(Formatting.seconds(boto3)): "
                + "\(Formatting.megabytesPerSecond(bytes, seconds: boto3)); moto CPU \(Self.milliseconds(boto3CPU / Double(count))) per image")
            let (sameWork, sameWorkCPU) = try boto3Upload(
                endpoint: endpoint, key: key, secret: secret, bucket: bucket, prefix: "boto3-sidecar/", concurrency: concurrency,
                files: files, sidecar: true, motoCPU: motoCPU)
            log("sync: boto3 put_object of the same files and a sidecar each (kontextd's requests): \(Formatting.seconds(sameWork)): "
                + "\(Formatting.megabytesPerSecond(bytes, seconds: sameWork)); moto CPU \(Self.milliseconds(sameWorkCPU / Double(count))) per image")
            await daemon.stop()
            return Figures(
                images: count, bytes: bytes, kontextdSeconds: kontextd, boto3Seconds: boto3, boto3SameWorkSeconds: sameWork,
                motoCPUPerImage: (kontextdCPU, boto3CPU / Double(count), sameWorkCPU / Double(count)), concurrency: concurrency,
                acksWithoutSink: 0, acksWithSink: 0, drainedDuringRun: 0)
        } catch {
            await daemon.stop()
            throw error
        }
    }

    /// boto3_upload.py over `files`: its seconds and moto's CPU seconds meanwhile.
    private func boto3Upload(
        endpoint: String, key: String, secret: String, bucket: String, prefix: String, concurrency: Int, files: String,
        sidecar: Bool, motoCPU: () -> Double
    ) throws -> (seconds: Double, motoCPU: Double) {
        let before = motoCPU()
        let output = try Self.run(
            try python,
            [scripts + "/boto3_upload.py", endpoint, key, secret, bucket, prefix, String(concurrency), files] + (sidecar ? ["--sidecar"] : []))
        return (try JSONCoding.parse(output)["seconds"]?.doubleValue ?? .nan, motoCPU() - before)
    }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

    /// Stores `count` random images (tasks, deliveries, files, `markResultStored`); returns the bytes.
    /// 32 at once, so group commit takes them in groups and the set-up stays short.
    static func storeImages(count: Int, size: Int, in daemon: BenchDaemon, copyTo copies: String?) async throws -> Int {
        let files = try ImageFileStore(root: daemon.directory)
        let tasks = (0..<count).map { _ in BenchTasks.newTask(taskUUID: UUID().uuidString.lowercased()) }
        _ = try await BenchTasks.create(tasks, in: daemon.store)
        return try await withThrowingTaskGroup(of: Int.self) { group in
            var total = 0
            for (index, task) in tasks.enumerated() {
                if index >= 32, let stored = try await group.next() { total += stored }
                group.addTask { try await storeImage(for: task, size: size, in: daemon, files: files, copyTo: copies) }
            }
            for try await stored in group { total += stored }
            return total
        }
    }

    private static func storeImage(
        for task: NewTask, size: Int, in daemon: BenchDaemon, files: ImageFileStore, copyTo copies: String?
    ) async throws -> Int {
        let bytes = MessageAuthentication.randomBytes(count: size)
        let sha = SHA256Digest.hexHash(bytes)
        let imageUUID = UUID().uuidString.lowercased()
        let result = IncomingResult(
            imageUUID: imageUUID, taskUUID: task.taskUUID, sourceKind: .url, sourceValue: "http://127.0.0.1/\(imageUUID).jpg",
            seed: 42, nsfw: false, cost: 0.0025, rawJSON: #"{"imageUUID":"\#(imageUUID)"}"#)
        _ = try await daemon.store.recordDelivery(
            taskUUID: task.taskUUID, source: .webhook, rawBody: Array(result.rawJSON.utf8), results: [result], failures: [],
            at: Date().timeIntervalSince1970)
        let path = try files.store(bytes, sha256: sha, fileExtension: "jpg")
        try await daemon.store.markResultStored(
            imageUUID: imageUUID,
            image: StoredImage(format: .jpg, width: 1024, height: 1024, byteSize: bytes.count, sha256: sha, path: path),
            at: Date().timeIntervalSince1970)
        if let copies { FileManager.default.createFile(atPath: copies + "/" + imageUUID + ".jpg", contents: Data(bytes)) }
        return bytes.count
    }

    // MARK: Webhook acks while a sink drains

    /// Alternates runs without and with the sink (`plan.syncAckRounds` pairs) and compares the
    /// sums: on a shared machine the load moves between runs, and alternating spreads that over both.
    private func acksWithDrainingSink() async throws -> (without: Double, with: Double, drained: Int) {
        let gone = try await LoopbackServer.start(ImmediateResponder(status: 404), name: "gone-images", logger: logger)
        defer { Task { await gone.stop() } }
        var without: [Double] = []
        var with: [Double] = []
        var drained = 0
        for round in 1...max(1, plan.syncAckRounds) {
            without.append(try await ackRate(sink: nil, imageBase: gone.baseURL + "/image").rate)
            let mirror = BenchDaemon.temporaryDirectory() + "-mirror"
            defer { try? FileManager.default.removeItem(atPath: mirror) }
            let run = try await ackRate(sink: mirror, imageBase: gone.baseURL + "/image")
            with.append(run.rate)
            drained += run.drained
            log("sync: round \(round): webhook acks/s with a directory sink draining \(run.drained) images meanwhile: "
                + "\(Formatting.rate(run.rate)) vs \(Formatting.rate(without[round - 1])) with no sink "
                + "(\(String(format: "%.0f", 100 * run.rate / max(without[round - 1], 1e-9)))%)")
        }
        let rounds = Double(without.count)
        return (without.reduce(0, +) / rounds, with.reduce(0, +) / rounds, drained / without.count)
    }

    /// Full-speed webhook acks with the workers running, over a store holding `plan.syncBacklog`
    /// stored images; with `sink`, a directory sink drains them as its backlog during the run.
    private func ackRate(sink: String?, imageBase: String) async throws -> (rate: Double, drained: Int) {
        let daemon = try await BenchDaemon.start(logger: logger) { configuration in
            configuration.images.maxFetchAttempts = 1
            if let sink {
                configuration.sync.sinks = [
                    SinkConfiguration(
                        name: "mirror",
                        kind: .directory(DirectorySinkSettings(
                            path: sink, keyTemplate: try! ObjectKeyTemplate(ObjectKeyTemplate.defaultTemplate))))
                ]
            }
        }
        do {
            // The same stored images in both runs, so that they differ in the sink alone: without a
            // sink they are simply in the store (a bigger database, its WAL to checkpoint); with
            // one, they are its backlog.
            _ = try await Self.storeImages(count: plan.syncBacklog, size: 64 << 10, in: daemon, copyTo: nil)
            let uuids = (0..<plan.webhookTasks).map { _ in UUID().uuidString.lowercased() }
            _ = try await BenchTasks.create(
                uuids.map { BenchTasks.newTask(taskUUID: $0, numberResults: plan.webhookResultsPerTask) }, in: daemon.store)
            let targets = daemon.directory + "/bench-webhook-targets.lua"
            try WebhookTargets.write(taskUUIDs: uuids, token: daemon.webhookToken(for:), to: targets)
            daemon.runWorkers()
            let pendingBefore = sink == nil ? 0 : try await daemon.store.outboxStatistics(sinks: ["mirror"])["mirror"]?.pending ?? 0
            let report = try await WrkRun(
                threads: plan.wrkThreads, connections: plan.wrkConnections, seconds: plan.webhookSeconds,
                script: scripts + "/webhooks.lua", url: daemon.webhookURL,
                scriptArguments: [targets, Hex.encode(MessageAuthentication.randomBytes(count: 4)), imageBase]
            ).run()
            let pendingAfter = sink == nil ? 0 : try await daemon.store.outboxStatistics(sinks: ["mirror"])["mirror"]?.pending ?? 0
            let rate = Double(report.scriptCounts["ok"] ?? 0) / max(report.seconds, 1e-9)
            log("sync: webhooks \(sink == nil ? "without a sink" : "with a draining sink"): \(WebhookLoad.summary(report))")
            await daemon.stop()
            return (rate, pendingBefore - pendingAfter)
        } catch {
            await daemon.stop()
            throw error
        }
    }

    /// Runs a program to completion; its stdout.
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("\(arguments.first ?? executable) exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}
