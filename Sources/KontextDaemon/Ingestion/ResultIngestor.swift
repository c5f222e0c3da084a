import Foundation
import KontextCore
import KontextCrypto
import KontextStore
import Logging
import NIOPosix
import Synchronization

/// Turns recorded results into verified, stored images: fetch the bytes, verify format,
/// structure and dimensions, hash, write content-addressed, then record the metadata.
///
/// A result is marked stored only after its file is durable; one that fails verification is
/// recorded failed with the reason and never kept as good. Transient download faults — and bytes
/// that fail verification after a download, which a damaged transfer explains — are retried with
/// backoff up to `images.maxFetchAttempts`; an expired URL (403/404) is replaced by a fresh one
/// from Runware's `getResponse`, up to `images.maxRefetches` times; storage faults are retried
/// until storage returns, never turned into a failed result.
final class ResultIngestor: Sendable {
    private let store: any IngestionStore
    private let files: ImageFileStore
    private let fetcher: any ImageSourceFetching
    private let api: (any RunwareClient)?
    private let configuration: DaemonConfiguration.Images
    private let signal: WorkSignal
    private let health: DaemonHealth
    private let metrics: DaemonMetrics
    private let pollInterval: Double
    private let threadPool: NIOThreadPool
    private let clock: any DaemonClock
    private let logger: Logger
    private let schedule = RetrySchedule.imageFetch
    /// Results waiting out a backoff, with the monotonic instant they may be tried again (in
    /// memory: after a restart every pending result is simply tried at once).
    private let notBefore = Mutex([String: ContinuousClock.Instant]())
    /// Expired-URL refreshes in a row that got no usable answer, per image (see `askAgainLater`).
    private let unansweredRefreshes = Mutex([String: Int]())
    /// What each task expects of its images (format, size): fixed once a task exists, so it is
    /// read from the store once per task, not once per image. Bounded: cleared when it grows large.
    private let expectations = Mutex([String: (format: OutputFormat, size: ImageSize?)]())
    /// Memory the decode checks may hold at once (`images.decodeMemoryBudget`).
    private let decodeBudget: DecodeMemoryBudget

    init(
        store: any IngestionStore, files: ImageFileStore, fetcher: any ImageSourceFetching, api: (any RunwareClient)?, configuration: DaemonConfiguration.Images,
        signal: WorkSignal, health: DaemonHealth, metrics: DaemonMetrics, pollInterval: Double,
        threadPool: NIOThreadPool, clock: any DaemonClock, logger: Logger, decodeBudget: DecodeMemoryBudget? = nil
    ) {
        self.store = store
        self.files = files
        self.fetcher = fetcher
        self.api = api
        self.configuration = configuration
        self.signal = signal
        self.health = health
        self.metrics = metrics
        self.pollInterval = pollInterval
        self.threadPool = threadPool
        self.clock = clock
        self.logger = logger
        self.decodeBudget = decodeBudget ?? DecodeMemoryBudget(capacity: configuration.decodeMemoryBudget)
    }

    /// Ingests until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            let now = clock.now
            let due: [ResultRecord]
            do {
                let pending = try await store.pendingResults(limit: configuration.concurrency * 8)
                due = notBefore.withLock { waits in pending.filter { waits[$0.imageUUID].map { $0 <= now } ?? true } }
            } catch {
                logger.error("cannot read pending results", metadata: ["error": "\(error)"])
                await signal.wait(timeout: .seconds(clamping: pollInterval))
                continue
            }
            if due.isEmpty {
                await signal.wait(timeout: .seconds(clamping: pollInterval))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for result in due {
                    if running == configuration.concurrency {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { await self.ingest(result) }
                    running += 1
                }
            }
        }
    }

    /// Fetches, verifies and stores one result, recording the outcome.
    func ingest(_ result: ResultRecord) async {
        let expected: (format: OutputFormat, size: ImageSize?)
        if let known = expectations.withLock({ $0[result.taskUUID] }) {
            expected = known
        } else {
            do {
                guard let detail = try await store.task(result.taskUUID) else {
                    logger.error("result for an unknown task", metadata: ["image": "\(result.imageUUID)", "task": "\(result.taskUUID)"])
                    return
                }
                expected = (detail.task.outputFormat, detail.task.expectedSize)
                expectations.withLock { cache in
                    if cache.count >= 10_000 { cache.removeAll(keepingCapacity: true) }
                    cache[result.taskUUID] = expected
                }
            } catch {
                logger.error("cannot read the task of a result", metadata: ["image": "\(result.imageUUID)", "error": "\(error)"])
                return
            }
        }

        let bytes: [UInt8]
        do {
            bytes = try await fetcher.bytes(for: ImageSource(kind: result.sourceKind, value: result.sourceValue))
        } catch {
            await fetchFailed(result, error)
            return
        }

        // Verification, the decode, hashing and the durable write block: they run on the thread pool.
        let checked: Result<StoredImage, ImageRejection>
        do {
            let files = self.files
            let budget = self.decodeBudget
            checked = try await threadPool.runIfActive {
                try Self.verifyAndStore(bytes, format: expected.format, size: expected.size, files: files, budget: budget)
            }
        } catch {
            // The bytes were good; the disk was not. Keep the result pending and say why.
            health.raise(.storageUnavailable, reason: "writing image files failed: \(error)")
            logger.error("cannot store image", metadata: ["image": "\(result.imageUUID)", "error": "\(error)"])
            postpone(result.imageUUID, failures: 3)
            return
        }
        let stored: StoredImage
        switch checked {
        case .success(let image):
            stored = image
        case .failure(let rejection):
            if result.sourceKind == .url {
                // A damaged transfer looks like a damaged image: fetch again before giving up.
                await fetchFailed(result, ImageFetchError(reason: rejection.reason, isTransient: true))
            } else {
                await fail(result, reason: rejection.reason)
            }
            return
        }

        do {
            let state = try await store.markResultStored(imageUUID: result.imageUUID, image: stored, at: clock.wallNow)
            health.clear(.storageUnavailable)
            notBefore.withLock { _ = $0.removeValue(forKey: result.imageUUID) }
            metrics.imagesStored.increment()
            metrics.imageBytesStored.increment(by: stored.byteSize)
            logger.info(
                "image stored",
                metadata: [
                    "image": "\(result.imageUUID)", "task": "\(result.taskUUID)", "sha256": "\(stored.sha256)",
                    "size": "\(stored.width)x\(stored.height)", "bytes": "\(stored.byteSize)", "task_state": "\(state.rawValue)",
                ])
        } catch {
            health.raise(.storageUnavailable, reason: "recording a stored image failed: \(error)")
            logger.error("cannot record stored image", metadata: ["image": "\(result.imageUUID)", "error": "\(error)"])
            postpone(result.imageUUID, failures: 3)
        }
    }

    private func fetchFailed(_ result: ResultRecord, _ error: ImageFetchError) async {
        // A download cut short by shutdown is not the image's fault: it is simply tried again after restart.
        if Task.isCancelled { return }
        if error.urlExpired, await refreshURL(of: result) { return }
        guard error.isTransient else {
            await fail(result, reason: error.reason)
            return
        }
        let attempts: Int
        do {
            attempts = try await store.recordFetchAttempt(imageUUID: result.imageUUID)
        } catch {
            postpone(result.imageUUID, failures: 3)
            return
        }
        if attempts >= configuration.maxFetchAttempts {
            await fail(result, reason: "\(error.reason) (gave up after \(attempts) attempts)")
        } else {
            metrics.fetchRetries.increment()
            logger.notice("image download will be retried", metadata: ["image": "\(result.imageUUID)", "attempt": "\(attempts)", "error": "\(error.reason)"])
            postpone(result.imageUUID, failures: attempts)
        }
    }

    /// Why downloaded bytes are not kept.
    struct ImageRejection: Error {
        let reason: String
    }

    /// Checks structure, format and dimensions, decodes every pixel, then writes the file
    /// content-addressed; a rejection names what failed. Throws only for storage faults.
    static func verifyAndStore(
        _ bytes: [UInt8], format: OutputFormat, size: ImageSize?, files: ImageFileStore, budget: DecodeMemoryBudget
    ) throws(ImageFileError) -> Result<StoredImage, ImageRejection> {
        let verified: VerifiedImage
        // The structural check reads the declared size and refuses anything beyond the model's
        // largest output before any decoder sees the bytes.
        switch ImageVerifier.verify(bytes, expectedFormat: format, expectedSize: size) {
        case .success(let image): verified = image
        case .failure(let error): return .failure(ImageRejection(reason: "verification failed: \(error)"))
        }
        let estimate = DecodeMemoryBudget.estimate(byteCount: bytes.count, width: verified.width, height: verified.height)
        let decoded = budget.withReservation(estimate) { PixelDecodeCheck.decodeWithThumbnail(bytes, format: verified.format) }
        if let failure = decoded.failure {
            return .failure(ImageRejection(reason: "verification failed: \(failure)"))
        }
        let sha256 = SHA256Digest.hexHash(bytes)
        let path = try files.store(bytes, sha256: sha256, fileExtension: verified.format.fileExtension)
        // The thumbnail comes from pixels the check decoded anyway; one that cannot be written is
        // made again on request, so it never holds up the image.
        var thumbnailSHA256: String?
        if let thumbnail = decoded.thumbnail {
            let digest = thumbnail.sha256
            if (try? files.storeThumbnail(thumbnail.bytes, sha256: digest)) != nil { thumbnailSHA256 = digest }
        }
        return .success(
            StoredImage(
                format: verified.format, width: verified.width, height: verified.height, byteSize: bytes.count,
                sha256: sha256, path: path, thumbnailSHA256: thumbnailSHA256))
    }

    /// Asks Runware for a fresh URL of an expired image; true when the result now has one to try.
    private func refreshURL(of result: ResultRecord) async -> Bool {
        guard let api else { return false }
        guard result.refetches < configuration.maxRefetches else {
            logger.warning(
                "image URL expired again after \(result.refetches) fresh URLs (images.maxRefetches)", metadata: ["image": "\(result.imageUUID)"])
            return false
        }
        let answer: RunwareAPI.Answer
        do {
            answer = try await api.getResponse([result.taskUUID])
        } catch {
            // Runware unreachable: try the refresh again later rather than fail the image now.
            return await askAgainLater(result, why: "getResponse failed: \(error)")
        }
        guard (200..<300).contains(answer.status) || answer.status == 400, answer.envelope != nil else {
            // A 404, a 5xx or an unreadable body says nothing about the image: ask again later.
            return await askAgainLater(result, why: "getResponse answered \(answer.status)")
        }
        unansweredRefreshes.withLock { _ = $0.removeValue(forKey: result.imageUUID) }
        let fresh = answer.news()[result.taskUUID]?.results.first { $0.imageUUID.lowercased() == result.imageUUID }
        guard case .url(let url)? = fresh?.source, url != result.sourceValue else {
            logger.warning(
                "getResponse has no fresh URL for an expired image",
                metadata: ["image": "\(result.imageUUID)", "status": "\(answer.status)", "found": "\(fresh != nil)"])
            return false
        }
        do {
            let count = try await store.replaceResultSource(imageUUID: result.imageUUID, sourceValue: url)
            metrics.refetches.increment()
            logger.notice("image URL expired; fetching a fresh one", metadata: ["image": "\(result.imageUUID)", "refetch": "\(count)"])
            notBefore.withLock { _ = $0.removeValue(forKey: result.imageUUID) }
            signal.notify()
            return true
        } catch {
            return false
        }
    }

    /// Puts off a refresh Runware could not answer (unreachable, 404, 5xx, unreadable). Counted
    /// apart from download attempts, so flaky polls do not use up an image's download budget,
    /// and bounded by `images.maxFetchAttempts` in a row, so an image whose refresh never gets
    /// an answer still fails (and its task ends). In memory: a restart grants a fresh round.
    private func askAgainLater(_ result: ResultRecord, why: String) async -> Bool {
        let asks = unansweredRefreshes.withLock { counts -> Int in
            counts[result.imageUUID, default: 0] += 1
            return counts[result.imageUUID] ?? 1
        }
        guard asks < configuration.maxFetchAttempts else {
            unansweredRefreshes.withLock { _ = $0.removeValue(forKey: result.imageUUID) }
            logger.warning("no fresh URL for an expired image after \(asks) unanswered asks", metadata: ["image": "\(result.imageUUID)", "why": "\(why)"])
            return false
        }
        logger.notice("no fresh URL for an expired image yet; asking again later", metadata: ["image": "\(result.imageUUID)", "why": "\(why)"])
        postpone(result.imageUUID, failures: asks)
        return true
    }

    private func postpone(_ imageUUID: String, failures: Int) {
        let at = clock.now + .seconds(clamping: schedule.delay(afterFailures: failures))
        notBefore.withLock { $0[imageUUID] = at }
    }

    private func fail(_ result: ResultRecord, reason: String) async {
        do {
            let state = try await store.markResultFailed(imageUUID: result.imageUUID, reason: reason, at: clock.wallNow)
            notBefore.withLock { _ = $0.removeValue(forKey: result.imageUUID) }
            metrics.imagesFailed.increment()
            logger.error(
                "image failed", metadata: ["image": "\(result.imageUUID)", "task": "\(result.taskUUID)", "reason": "\(reason)", "task_state": "\(state.rawValue)"])
        } catch {
            logger.error("cannot record a failed image", metadata: ["image": "\(result.imageUUID)", "error": "\(error)"])
            postpone(result.imageUUID, failures: 3)
        }
    }
}
