import Foundation
import KontextCore
import KontextCrypto
import Logging
import Synchronization

/// The simulated Runware service behind the HTTP routes: accepts validated tasks, generates
/// their images after the configured delay, serves the bytes, delivers webhooks with retries,
/// injects the configured faults, and keeps everything tests want to inspect. All state sits in
/// one `Mutex` (fault draws in `FaultInjector`'s own), so the type is `Sendable` without
/// unchecked promises.
final class SimulatedRunware: Sendable {
    let configuration: SimulatorConfiguration
    let logger: Logger
    /// Draws and counts the faults of `configuration.faults` (or of the plan that replaced it).
    let faults: FaultInjector
    private let delivery: WebhookDelivery
    private let ledger = Mutex(SimulatorLedger())
    private let startedAt = ContinuousClock.now

    init(configuration: SimulatorConfiguration, transport: any WebhookTransport, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.faults = FaultInjector(plan: configuration.faults)
        self.delivery = WebhookDelivery(
            transport: transport, policy: configuration.webhookRetry, timeout: configuration.webhookTimeout,
            logger: logger)
    }

    // MARK: Submission

    /// What became of an attempt to accept a task.
    enum Acceptance {
        /// Running; `work` finishes when every result exists (or generation failed).
        case accepted(SimulatedTask, work: Task<Void, Never>?)
        /// The taskUUID was accepted before.
        case conflict
    }

    /// Counts one received `imageInference` element, whatever becomes of it, under its
    /// taskUUID (lowercased) when it has one.
    func countSubmission(taskUUID: String?) {
        ledger.withLock { ledger in
            ledger.submittedTaskCount += 1
            if let taskUUID { ledger.submissionsReceived[taskUUID.lowercased(), default: 0] += 1 }
        }
    }

    /// Accepts a validated task unless its UUID was seen, and starts generating it.
    func accept(_ task: ImageInferenceTask, taskUUID: String, hooks: Set<SimulatorHook>) -> Acceptance {
        var record = SimulatedTask(task: task, taskUUID: taskUUID, hooks: hooks)
        let isNew = ledger.withLock { ledger -> Bool in
            guard ledger.seenTaskUUIDs.insert(taskUUID).inserted else { return false }
            ledger.tasks[taskUUID] = record
            ledger.acceptedTaskCount += 1
            return true
        }
        guard isNew else { return .conflict }
        // Drawn only for tasks really run, so conflicting resends do not shift the stream.
        record.shape = faults.taskShapeFaults(late: hooks.contains(.late))
        let shape = record.shape
        ledger.withLock { $0.tasks[taskUUID]?.shape = shape }
        logger.debug("task accepted", metadata: ["taskUUID": "\(taskUUID)", "results": "\(task.numberResults)"])
        let work = track { [self] in await generate(taskUUID: taskUUID) }
        return .accepted(record, work: work)
    }

    /// The current record of a task, nil when it was never accepted.
    func task(_ taskUUID: String) -> SimulatedTask? {
        ledger.withLock { $0.tasks[taskUUID] }
    }

    // MARK: Generation

    private func generate(taskUUID: String) async {
        guard let record = ledger.withLock({ ledger -> SimulatedTask? in
            ledger.runCounts[taskUUID, default: 0] += 1
            return ledger.tasks[taskUUID]
        }) else { return }
        let task = record.task
        if record.shape.lateBy > 0 {
            faults.record(.lateTask)
            guard await pause(seconds: record.shape.lateBy) else { return }
        }
        guard await pause(seconds: configuration.generationDelay) else { return }
        if record.hooks.contains(.fail) {
            fail(
                taskUUID: taskUUID, webhookURL: task.webhookURL,
                message: "Inference failed for this task (simulated by [sim:fail] in positivePrompt).")
            return
        }
        var random = SystemRandomNumberGenerator()
        // Out of order: the result webhooks wait until every result exists, then go last first.
        let reorder = record.shape.reorder && task.webhookURL != nil && task.numberResults > 1
        var held: [PendingWebhook] = []
        for index in 0..<task.numberResults {
            if index > 0 {
                guard await pause(seconds: configuration.resultInterval) else { return }
            }
            let seed = task.seed.map { $0 &+ UInt64(index) } ?? UInt64(UInt32.random(in: 0...UInt32.max, using: &random))
            let size = task.size ?? ImageSize(width: 1024, height: 1024)
            let encoded: [UInt8]
            do {
                encoded = try await Self.render(format: task.outputFormat, size: size, seed: seed, quality: task.outputQuality ?? 90)
            } catch {
                fail(taskUUID: taskUUID, webhookURL: task.webhookURL, message: "Image encoding failed: \(error)")
                return
            }
            let corrupted = record.hooks.contains(.corrupt)
            // Inverted bytes alone can decode to wrong pixels in a JPEG scan or a VP8 payload,
            // which nobody could detect; the structural damage on top makes the promise hold.
            let served = corrupted ? DownloadDamage.corrupt(ImageCorruption.corrupt(encoded), format: task.outputFormat) : encoded
            let imageUUID = UUID().uuidString.lowercased()
            // The recorded sha is the one of the bytes every good download yields; per-attempt
            // download faults damage copies, never these.
            let image = GeneratedImage(
                imageUUID: imageUUID, taskUUID: taskUUID, seed: seed, format: task.outputFormat, size: size,
                sha256: SHA256Digest.hexHash(served), corrupted: corrupted, resultIndex: index)
            let expired = task.outputType == .url && faults.expireImageURL()
            if expired { faults.record(.expiredImageURL) }
            let webhookFaults = task.webhookURL == nil ? WebhookFaults() : faults.webhookFaults()
            let result = ledger.withLock { ledger -> JSONValue in
                let result = ResultPayload.object(
                    task: task, taskUUID: taskUUID, imageUUID: imageUUID, seed: seed, servedBytes: served,
                    publicBaseURL: ledger.publicBaseURL, costPerImage: configuration.costPerImage, resultIndex: index)
                ledger.images[imageUUID] = ServedImage(format: task.outputFormat, bytes: served)
                if task.outputType == .url {
                    ledger.imageURLs[imageUUID] = ImageURLHistory(
                        imageUUID: imageUUID, format: task.outputFormat, issuedAt: .now, firstExpiredFromStart: expired)
                }
                ledger.generated.append(image)
                ledger.tasks[taskUUID]?.results.append(result)
                // Counted with the result, so a held acknowledgement never sees the result
                // without the webhook it waits for.
                if task.webhookURL != nil && !webhookFaults.drop { ledger.webhooksScheduled[taskUUID, default: 0] += 1 }
                return result
            }
            if let url = task.webhookURL {
                let body: JSONValue =
                    configuration.webhookBodyVariant == .wrapped ? .object(["data": .array([result])]) : result
                let progress: JSONValue? = faults.progressFrame()
                    ? .object([
                        "taskType": .string("imageInference"), "taskUUID": .string(taskUUID),
                        "imageUUID": .string(imageUUID), "status": .string("processing"),
                        "progress": .integer(90), "resultIndex": .integer(Int64(index)),
                    ])
                    : nil
                if reorder {
                    held.append(PendingWebhook(
                        body: body, url: url, taskUUID: taskUUID, imageUUID: imageUUID, faults: webhookFaults, progress: progress))
                } else {
                    sendWebhook(body: body, to: url, taskUUID: taskUUID, imageUUID: imageUUID, faults: webhookFaults, progress: progress)
                }
            }
        }
        if reorder {
            faults.record(.reorderedResults)
            sendWebhooksInSequence(held.reversed())
        }
    }

    /// Rendering and encoding a megapixel image takes tens of milliseconds of CPU with no
    /// suspension point: on the cooperative pool (as many threads as cores) a few of them at once
    /// would stall every other task of the process — webhook deliveries, the HTTP server, a
    /// daemon under test. They run on their own queue instead.
    private static let renderQueue = DispatchQueue(label: "runware-sim.render", qos: .utility, attributes: .concurrent)

    private static func render(format: OutputFormat, size: ImageSize, seed: UInt64, quality: Int) async throws(ImageSynthesisError) -> [UInt8] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], ImageSynthesisError>, Never>) in
            renderQueue.async {
                continuation.resume(returning: Result { () throws(ImageSynthesisError) in
                    try ImageSynthesizer.render(format: format, size: size, seed: seed, quality: quality)
                })
            }
        }
        return try result.get()
    }

    private func fail(taskUUID: String, webhookURL: String?, message: String) {
        let failure = RunwareErrorObject(
            code: RunwareErrorObject.generationFailureCode(for: taskUUID), message: message, taskType: "imageInference",
            taskUUID: taskUUID, documentation: RunwareErrorObject.documentationBase, status: "error")
        let webhookFaults = webhookURL == nil ? WebhookFaults() : faults.webhookFaults()
        let nested = ledger.withLock { ledger -> Bool in
            ledger.tasks[taskUUID]?.failure = failure
            if webhookURL != nil && !webhookFaults.drop { ledger.webhooksScheduled[taskUUID, default: 0] += 1 }
            return ledger.tasks[taskUUID]?.shape.nestedError ?? false
        }
        if nested { faults.record(.nestedError) }
        logger.debug("task failed", metadata: ["taskUUID": "\(taskUUID)"])
        if let webhookURL {
            let body: JSONValue
            switch (configuration.webhookBodyVariant, nested) {
            case (.wrapped, true): body = .object(["data": .array([failure.nestedItem])])
            case (.wrapped, false): body = .object(["errors": .array([failure.jsonValue])])
            case (_, true): body = failure.nestedItem
            case (_, false): body = failure.jsonValue
            }
            sendWebhook(body: body, to: webhookURL, taskUUID: taskUUID, imageUUID: nil, faults: webhookFaults)
        }
    }

    /// Delivers one webhook body as the fault plan decided: not at all, late, or several times;
    /// a `progress` frame, when given, is POSTed once first (its outcome is not recorded: it
    /// carries no result).
    private func sendWebhook(
        body: JSONValue, to url: String, taskUUID: String, imageUUID: String?, faults decided: WebhookFaults,
        progress: JSONValue? = nil
    ) {
        let webhook = PendingWebhook(body: body, url: url, taskUUID: taskUUID, imageUUID: imageUUID, faults: decided, progress: progress)
        guard !decided.drop else {
            faults.record(.droppedWebhook)
            logger.debug("webhook dropped by the fault plan", metadata: ["key": "\(imageUUID ?? taskUUID)"])
            return
        }
        track { [self] in await deliver(webhook) }
    }

    /// Delivers webhooks one after the other, in the order given (each waits for the one before).
    private func sendWebhooksInSequence(_ webhooks: [PendingWebhook]) {
        let kept = webhooks.filter { webhook in
            if webhook.faults.drop { faults.record(.droppedWebhook) }
            return !webhook.faults.drop
        }
        track { [self] in
            for webhook in kept {
                await deliver(webhook)
                if Task.isCancelled { return }
            }
        }
    }

    /// One webhook to deliver, with what the fault plan decided for it.
    private struct PendingWebhook: Sendable {
        let body: JSONValue
        let url: String
        let taskUUID: String
        let imageUUID: String?
        let faults: WebhookFaults
        let progress: JSONValue?
    }

    private func deliver(_ webhook: PendingWebhook) async {
        let bytes = JSONCoding.encode(webhook.body)
        let key = webhook.imageUUID ?? webhook.taskUUID
        if let progress = webhook.progress {
            faults.record(.progressFrame)
            await delivery.deliver(
                body: JSONCoding.encode(progress), to: webhook.url, key: key + "#progress", recordAttempt: {},
                recordOutcome: { _, _ in })
            if Task.isCancelled { return }
        }
        if webhook.faults.delay > 0 {
            faults.record(.delayedWebhook)
            guard await pause(seconds: webhook.faults.delay) else { return }
        }
        for copy in 1...max(1, webhook.faults.copies) {
            if copy > 1 { faults.record(.duplicatedWebhook) }
            await delivery.deliver(
                body: bytes, to: webhook.url, key: key,
                recordAttempt: { self.ledger.withLock { $0.webhookAttempts[key, default: 0] += 1 } },
                recordOutcome: { attempt, outcome in
                    self.recordOutcome(
                        outcome, attempt: attempt, copy: copy, taskUUID: webhook.taskUUID, imageUUID: webhook.imageUUID)
                })
            if Task.isCancelled { return }
        }
    }

    private func recordOutcome(
        _ outcome: WebhookAttemptOutcome, attempt: Int, copy: Int, taskUUID: String, imageUUID: String?
    ) {
        let elapsed = startedAt.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        ledger.withLock { ledger in
            var status: Int?
            var transportError: String?
            switch outcome {
            case .answered(let code): status = code
            case .failed(let reason): transportError = reason
            }
            ledger.webhookOutcomes.append(WebhookOutcome(
                imageUUID: imageUUID, taskUUID: taskUUID, copy: copy, attempt: attempt, status: status,
                transportError: transportError, sequence: ledger.webhookOutcomes.count, secondsSinceStart: seconds))
            ledger.webhookAttemptsEnded[taskUUID, default: 0] += 1
        }
    }

    /// Waits until one of the task's webhook attempts ended (answered or failed), the task
    /// finished with no webhook to send, the simulator stops, or `seconds` pass. Returns whether
    /// a webhook attempt ended first.
    func awaitWebhookAttempt(taskUUID: String, within seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while true {
            let (ended, settled) = ledger.withLock { ledger -> (Bool, Bool) in
                let ended = ledger.webhookAttemptsEnded[taskUUID, default: 0] > 0
                let finished = ledger.tasks[taskUUID]?.isFinished ?? true
                let nothingToSend = finished && ledger.webhooksScheduled[taskUUID, default: 0] == 0
                return (ended, ended || nothingToSend || ledger.isStopped)
            }
            if settled { return ended }
            if ContinuousClock.now >= deadline { return false }
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                return false
            }
        }
    }

    /// Sleeps; false when the simulator is stopping.
    private func pause(seconds: Double) async -> Bool {
        guard seconds > 0 else { return !Task.isCancelled }
        do {
            try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded())))
            return true
        } catch {
            return false
        }
    }

    /// Runs `operation` as tracked background work so `stop()` can cancel it; nil once stopped.
    @discardableResult
    private func track(_ operation: @escaping @Sendable () async -> Void) -> Task<Void, Never>? {
        ledger.withLock { ledger -> Task<Void, Never>? in
            guard !ledger.isStopped else { return nil }
            let id = ledger.nextWorkID
            ledger.nextWorkID += 1
            // Created under the lock: the task's own removal below waits for this insertion.
            let work = Task { [self] in
                await operation()
                _ = self.ledger.withLock { $0.running.removeValue(forKey: id) }
            }
            ledger.running[id] = work
            return work
        }
    }

    // MARK: Serving and lifecycle

    /// Sets the base of image URLs once the listening port is known.
    func setPublicBaseURL(_ base: String) {
        ledger.withLock { $0.publicBaseURL = base }
    }

    /// The bytes served for `imageUUID`, nil when no such image exists.
    func servedImage(_ imageUUID: String) -> ServedImage? {
        ledger.withLock { $0.images[imageUUID] }
    }

    /// What a request for version `version` of an image's URL finds.
    enum ImageLookup: Sendable {
        /// No such image or URL version.
        case unknown
        /// The URL existed but has expired.
        case expired
        /// The URL serves these bytes.
        case live(ServedImage)
    }

    /// Resolves one image URL: `imageUUID` with extension `fileExtension` at `version` (0 for the
    /// URL in the result, n for `?v=n`). Counts a request for an expired URL as a fault seen.
    func lookUpImage(_ imageUUID: String, fileExtension: String, version: Int) -> ImageLookup {
        let lookup = ledger.withLock { ledger -> ImageLookup in
            guard let image = ledger.images[imageUUID], image.format.fileExtension == fileExtension else {
                return .unknown
            }
            // Inline outputs have no URL history; their path still serves the bytes, as before.
            guard let history = ledger.imageURLs[imageUUID] else { return version == 0 ? .live(image) : .unknown }
            guard version <= history.latestVersion else { return .unknown }
            return history.isLive(version: version, at: .now, lifetime: faults.plan.imageURLLifetime)
                ? .live(image) : .expired
        }
        if case .expired = lookup { faults.record(.expiredURLRequested) }
        return lookup
    }

    /// The `getResponse` view of a task (nil when unknown), with each image URL replaced by the
    /// newest live one, issuing a fresh URL when the newest has expired.
    func pollState(_ taskUUID: String) -> (data: [JSONValue], errors: [JSONValue])? {
        var issued = 0
        let state = ledger.withLock { ledger -> (data: [JSONValue], errors: [JSONValue])? in
            guard let record = ledger.tasks[taskUUID] else { return nil }
            let state = record.cumulativeState
            let now = ContinuousClock.now
            let data = state.data.map { item -> JSONValue in
                guard case .object(var fields) = item, fields["imageURL"] != nil,
                    let imageUUID = fields["imageUUID"]?.stringValue, var history = ledger.imageURLs[imageUUID]
                else { return item }
                var version = history.latestVersion
                if !history.isLive(version: version, at: now, lifetime: faults.plan.imageURLLifetime) {
                    version = history.issue(at: now)
                    ledger.imageURLs[imageUUID] = history
                    issued += 1
                }
                fields["imageURL"] = .string(history.url(base: ledger.publicBaseURL, version: version))
                return .object(fields)
            }
            return (data, state.errors)
        }
        faults.record(.freshImageURLIssued, times: issued)
        return state
    }

    /// The reference JPEG for an asset name, painted once then cached.
    func referenceAsset(named name: String) throws(ImageSynthesisError) -> [UInt8] {
        if let cached = ledger.withLock({ $0.referenceAssets[name] }) { return cached }
        let bytes = try ReferenceAsset.jpeg(named: name)
        ledger.withLock { $0.referenceAssets[name] = bytes }
        return bytes
    }

    /// Returns once no generation or webhook delivery (retries included) is running or due:
    /// from then on the simulator sends nothing until it is asked something. What a test awaits
    /// before asserting that something did NOT happen (no second webhook, no retry).
    func waitUntilQuiet() async {
        while true {
            let work = ledger.withLock { Array($0.running.values) }
            if work.isEmpty { return }
            for task in work { await task.value }
        }
    }

    /// Cancels all generation and webhook work and waits for it to wind down.
    func stop() async {
        let work = ledger.withLock { ledger -> [Task<Void, Never>] in
            ledger.isStopped = true
            return Array(ledger.running.values)
        }
        for task in work { task.cancel() }
        for task in work { await task.value }
    }

    // MARK: Inspection

    var generatedImages: [GeneratedImage] { ledger.withLock { $0.generated } }
    var webhookAttempts: [String: Int] { ledger.withLock { $0.webhookAttempts } }
    var submittedTaskCount: Int { ledger.withLock { $0.submittedTaskCount } }
    var acceptedTaskCount: Int { ledger.withLock { $0.acceptedTaskCount } }
    var webhookOutcomes: [WebhookOutcome] { ledger.withLock { $0.webhookOutcomes } }
    var submissionsReceived: [String: Int] { ledger.withLock { $0.submissionsReceived } }
    var runCounts: [String: Int] { ledger.withLock { $0.runCounts } }
    var isStopped: Bool { ledger.withLock { $0.isStopped } }
    var workInFlight: Int { ledger.withLock { $0.running.count } }

    /// The JSON served at `GET /sim/state`.
    var stateReport: JSONValue {
        let faultCounts = faults.counts
        return ledger.withLock { ledger in
            .object([
                "faultCounts": .object(Dictionary(uniqueKeysWithValues: faultCounts.map { ($0.key.rawValue, .integer(Int64($0.value))) })),
                "submittedTaskCount": .integer(Int64(ledger.submittedTaskCount)),
                "acceptedTaskCount": .integer(Int64(ledger.acceptedTaskCount)),
                "images": .array(ledger.generated.map(\.jsonValue)),
                "webhookAttempts": .object(ledger.webhookAttempts.mapValues { .integer(Int64($0)) }),
                "webhookOutcomes": .array(ledger.webhookOutcomes.map(\.jsonValue)),
                "submissionsReceived": .object(ledger.submissionsReceived.mapValues { .integer(Int64($0)) }),
                "runCounts": .object(ledger.runCounts.mapValues { .integer(Int64($0)) }),
                "tasks": .array(ledger.tasks.values.sorted { $0.taskUUID < $1.taskUUID }.map { task in
                    .object([
                        "taskUUID": .string(task.taskUUID), "numberResults": .integer(Int64(task.task.numberResults)),
                        "generated": .integer(Int64(task.results.count)), "failed": .bool(task.failure != nil),
                    ])
                }),
            ])
        }
    }
}
