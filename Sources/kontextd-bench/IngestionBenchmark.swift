import Foundation
import KontextDaemon
import KontextCore
import KontextCrypto
import KontextNet
import KontextStore
import Logging

/// Image ingestion through the daemon's own path — `TaskStore.recordDelivery`, then its
/// `ResultIngestor`: download from an allowed host, verify structure and size, SHA-256, write
/// the file durably, record it — beside the bare parts of that work on the same bytes.
///
/// The deliveries are recorded before the workers start, so the clock covers ingestion only:
/// from starting the workers until every result is stored (or failed).
struct IngestionBenchmark {
    /// What was measured.
    struct Figures {
        var images: Int
        var bytes: Int
        var seconds: Double
        var stored: Int
        var failed: Int
        var concurrency: Int
        var downloadSeconds: Double
        var hashSeconds: Double
        var fileStoreSeconds: Double
        var peakMemory: Int
        /// RSS just before the workers started (daemon up, deliveries recorded).
        var memoryBefore: Int
        var imageDescription: String
    }

    let plan: BenchPlan
    let logger: Logger
    let log: (String) -> Void

    func run() async throws -> Figures {
        // Rendering 20+ megapixel bases needs large pixel buffers the allocator keeps: a child
        // process renders them, so this process's RSS stays the daemon's.
        let images = try await IngestionImages.renderInChildProcess()
        let imageDescription = [images.jpeg, images.png].map {
            "\($0.format.rawValue) \($0.size) \(Formatting.count($0.bytes.count)) bytes"
        }.joined(separator: ", ")
        log("ingestion: base images \(imageDescription); \(plan.ingestionImages) distinct variants, half of each")
        let server = try await LoopbackServer.start(ImageVariantResponder(images: images), name: "images", logger: logger)
        do {
            let figures = try await measure(images: images, server: server, imageDescription: imageDescription)
            await server.stop()
            return figures
        } catch {
            await server.stop()
            throw error
        }
    }

    private func measure(images: IngestionImages, server: LoopbackServer, imageDescription: String) async throws -> Figures {
        let formats: [OutputFormat] = (0..<plan.ingestionImages).map { $0 % 2 == 0 ? .jpg : .png }
        let urls = formats.enumerated().map { server.baseURL + ImageVariantResponder.path(index: $0.offset, format: $0.element) }
        let totalBytes = formats.enumerated().reduce(0) { $0 + images.variant($1.element, index: $1.offset).count }
        let concurrency = DaemonConfiguration.Images().concurrency  // The daemon's default, unchanged.

        let download = try await downloadBaseline(urls: urls, threads: concurrency, expectedBytes: totalBytes)
        log("ingestion: baseline download only (CurlHTTPClient, \(concurrency) threads): "
            + Formatting.megabytesPerSecond(totalBytes, seconds: download))
        let hash = hashBaseline(images: images, formats: formats)
        log("ingestion: baseline SHA-256 only (one core): " + Formatting.megabytesPerSecond(totalBytes, seconds: hash))
        let fileStore = try fileStoreBaseline(images: images, formats: formats)
        log("ingestion: baseline durable file write only (ImageFileStore.store, one thread): "
            + Formatting.megabytesPerSecond(totalBytes, seconds: fileStore))

        let daemon = try await BenchDaemon.start(logger: logger) { configuration in
            configuration.images.concurrency = concurrency
        }
        do {
            let figures = try await ingest(
                daemon: daemon, images: images, formats: formats, urls: urls, totalBytes: totalBytes)
            await daemon.stop()
            return Figures(
                images: plan.ingestionImages, bytes: totalBytes, seconds: figures.seconds, stored: figures.stored,
                failed: figures.failed, concurrency: concurrency, downloadSeconds: download, hashSeconds: hash,
                fileStoreSeconds: fileStore, peakMemory: figures.peak, memoryBefore: figures.before, imageDescription: imageDescription)
        } catch {
            await daemon.stop()
            throw error
        }
    }

    private func ingest(
        daemon: BenchDaemon, images: IngestionImages, formats: [OutputFormat], urls: [String], totalBytes: Int
    ) async throws -> (seconds: Double, stored: Int, failed: Int, peak: Int, before: Int) {
        let uuids = formats.map { _ in UUID().uuidString.lowercased() }
        let tasks = zip(uuids, formats).map { uuid, format in
            BenchTasks.newTask(taskUUID: uuid, format: format, size: images.base(format).size)
        }
        _ = try await BenchTasks.create(tasks, in: daemon.store)
        let store = daemon.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, uuid) in uuids.enumerated() {
                let url = urls[index]
                group.addTask {
                    let imageUUID = UUID().uuidString.lowercased()
                    let raw = #"{"imageURL":"\#(url)","imageUUID":"\#(imageUUID)","taskType":"imageInference","taskUUID":"\#(uuid)"}"#
                    let result = IncomingResult(
                        imageUUID: imageUUID, taskUUID: uuid, sourceKind: .url, sourceValue: url, seed: nil, nsfw: nil,
                        cost: nil, rawJSON: raw)
                    let outcome = try await store.recordDelivery(
                        taskUUID: uuid, source: .webhook, rawBody: Array(raw.utf8), results: [result], failures: [],
                        at: Date().timeIntervalSince1970)
                    guard outcome.newResults == [imageUUID] else {
                        throw BenchError("delivery for task \(uuid) was not recorded as new: \(outcome)")
                    }
                }
            }
            try await group.waitForAll()
        }

        // Rendering the bases and the baselines freed large buffers: hand them back to the
        // kernel first, so the figure is the daemon's ingestion, not the bench's leftovers.
        MallocTrim.releaseFreeMemory()
        let before = ResidentMemory.current() ?? 0
        log("ingestion: RSS before the workers start: \(Formatting.mebibytes(before))")
        let sampler = ResidentMemorySampler()
        let started = ContinuousClock.now
        daemon.runWorkers()
        var counts: [ResultState: Int] = [:]
        let deadline = started + .seconds(600)
        while true {
            counts = try await store.resultCounts()
            if (counts[.stored] ?? 0) + (counts[.failed] ?? 0) >= uuids.count { break }
            guard ContinuousClock.now < deadline else {
                throw BenchError("ingestion did not finish within 600 s: \(counts)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let seconds = (ContinuousClock.now - started).seconds
        let peak = await sampler.stop()
        let stored = counts[.stored] ?? 0
        let failed = counts[.failed] ?? 0
        log("ingestion: daemon stored \(stored), failed \(failed) of \(uuids.count) in \(Formatting.seconds(seconds)): "
            + "\(Formatting.megabytesPerSecond(totalBytes, seconds: seconds)), "
            + String(format: "%.1f images/s", Double(stored) / seconds) + ", RSS peak \(Formatting.mebibytes(peak))")
        if failed > 0 {
            for uuid in uuids {
                if let reason = try await store.task(uuid)?.results.first?.failureReason {
                    log("ingestion: first failure reason: \(reason)")
                    break
                }
            }
        }
        return (seconds, stored, failed, peak, before)
    }

    /// Downloads every URL with a bare `CurlHTTPClient` (as many threads as the ingestor fetches at once).
    private func downloadBaseline(urls: [String], threads: Int, expectedBytes: Int) async throws -> Double {
        let client = CurlHTTPClient(configuration: .init(threads: threads, userAgent: "kontextd-bench"))
        defer { client.close() }
        let started = ContinuousClock.now
        let received = try await withThrowingTaskGroup(of: Int.self) { group in
            for url in urls {
                group.addTask {
                    let response = try await client.execute(HTTPClientRequest(method: "GET", url: url, timeout: 60))
                    guard response.status == 200 else { throw BenchError("GET \(url) answered \(response.status)") }
                    return response.body.count
                }
            }
            return try await group.reduce(0, +)
        }
        let seconds = (ContinuousClock.now - started).seconds
        guard received == expectedBytes else {
            throw BenchError("download baseline received \(received) bytes, expected \(expectedBytes)")
        }
        return seconds
    }

    /// SHA-256 of every variant's bytes on one core; building the variants is not timed.
    private func hashBaseline(images: IngestionImages, formats: [OutputFormat]) -> Double {
        var elapsed = Duration.zero
        var digestBytes = 0
        for (index, format) in formats.enumerated() {
            let bytes = images.variant(format, index: index)
            let started = ContinuousClock.now
            digestBytes &+= Int(SHA256Digest.hash(bytes)[0])
            elapsed += ContinuousClock.now - started
        }
        // Keeps the hashing observable so it cannot be optimised away.
        if digestBytes == -1 { log("unreachable") }
        return elapsed.seconds
    }

    /// `ImageFileStore.store` (temp file, fsync, rename, directory fsyncs) of every variant on one thread.
    private func fileStoreBaseline(images: IngestionImages, formats: [OutputFormat]) throws -> Double {
        let directory = BenchDaemon.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try ImageFileStore(root: directory)
        var elapsed = Duration.zero
        for (index, format) in formats.enumerated() {
            let bytes = images.variant(format, index: index)
            let sha256 = SHA256Digest.hexHash(bytes)
            let started = ContinuousClock.now
            _ = try files.store(bytes, sha256: sha256, fileExtension: format.fileExtension)
            elapsed += ContinuousClock.now - started
        }
        return elapsed.seconds
    }
}
