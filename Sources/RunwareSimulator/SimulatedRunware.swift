import Foundation
import KontextCore
import KontextCrypto
import Logging
import Synchronization

/// The simulated Runware service behind the HTTP routes: accepts validated tasks, generates
/// their images after the configured delay, serves the bytes, delivers webhooks with retries,
/// and keeps everything tests want to inspect. All state sits in one `Mutex`, so the type is
/// `Sendable` without unchecked promises.
final class SimulatedRunware: Sendable {
    let configuration: SimulatorConfiguration
    let logger: Logger
    private let delivery: WebhookDelivery
    private let ledger = Mutex(SimulatorLedger())

    init(configuration: SimulatorConfiguration, transport: any WebhookTransport, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
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

    /// Counts one received `imageInference` element, whatever becomes of it.
    func countSubmission() {
        ledger.withLock { $0.submittedTaskCount += 1 }
    }

    /// Accepts a validated task unless its UUID was seen, and starts generating it.
    func accept(_ task: ImageInferenceTask, taskUUID: String, hooks: Set<SimulatorHook>) -> Acceptance {
        let record = SimulatedTask(task: task, taskUUID: taskUUID, hooks: hooks)
        let isNew = ledger.withLock { ledger -> Bool in
            guard ledger.seenTaskUUIDs.insert(taskUUID).inserted else { return false }
            ledger.tasks[taskUUID] = record
            ledger.acceptedTaskCount += 1
            return true
        }
        guard isNew else { return .conflict }
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
        guard let record = task(taskUUID) else { return }
        let task = record.task
        guard await pause(seconds: configuration.generationDelay) else { return }
        if record.hooks.contains(.fail) {
            fail(
                taskUUID: taskUUID, webhookURL: task.webhookURL,
                message: "Inference failed for this task (simulated by [sim:fail] in positivePrompt).")
            return
        }
        var random = SystemRandomNumberGenerator()
        for index in 0..<task.numberResults {
            if index > 0 {
                guard await pause(seconds: configuration.resultInterval) else { return }
            }
            let seed = task.seed.map { $0 &+ UInt64(index) } ?? UInt64(UInt32.random(in: 0...UInt32.max, using: &random))
            let size = task.size ?? ImageSize(width: 1024, height: 1024)
            let encoded: [UInt8]
            do {
                encoded = try ImageSynthesizer.render(
                    format: task.outputFormat, size: size, seed: seed, quality: task.outputQuality ?? 90)
            } catch {
                fail(taskUUID: taskUUID, webhookURL: task.webhookURL, message: "Image encoding failed: \(error)")
                return
            }
            let corrupted = record.hooks.contains(.corrupt)
            let served = corrupted ? ImageCorruption.corrupt(encoded) : encoded
            let imageUUID = UUID().uuidString.lowercased()
            let image = GeneratedImage(
                imageUUID: imageUUID, taskUUID: taskUUID, seed: seed, format: task.outputFormat, size: size,
                sha256: SHA256Digest.hexHash(served), corrupted: corrupted, resultIndex: index)
            let result = ledger.withLock { ledger -> JSONValue in
                let result = ResultPayload.object(
                    task: task, taskUUID: taskUUID, imageUUID: imageUUID, seed: seed, servedBytes: served,
                    publicBaseURL: ledger.publicBaseURL, costPerImage: configuration.costPerImage)
                ledger.images[imageUUID] = ServedImage(format: task.outputFormat, bytes: served)
                ledger.generated.append(image)
                ledger.tasks[taskUUID]?.results.append(result)
                return result
            }
            if let url = task.webhookURL {
                let body: JSONValue =
                    configuration.webhookBodyVariant == .wrapped ? .object(["data": .array([result])]) : result
                sendWebhook(body: body, to: url, key: imageUUID)
            }
        }
    }

    private func fail(taskUUID: String, webhookURL: String?, message: String) {
        let failure = RunwareErrorObject(
            code: "inferenceFailed", message: message, taskType: "imageInference", taskUUID: taskUUID,
            documentation: RunwareErrorObject.documentationBase, status: "error")
        ledger.withLock { $0.tasks[taskUUID]?.failure = failure }
        logger.debug("task failed", metadata: ["taskUUID": "\(taskUUID)"])
        if let webhookURL {
            let body: JSONValue =
                configuration.webhookBodyVariant == .wrapped
                ? .object(["errors": .array([failure.jsonValue])]) : failure.jsonValue
            sendWebhook(body: body, to: webhookURL, key: taskUUID)
        }
    }

    private func sendWebhook(body: JSONValue, to url: String, key: String) {
        let bytes = JSONCoding.encode(body)
        track { [self] in
            await delivery.deliver(body: bytes, to: url, key: key) {
                self.ledger.withLock { $0.webhookAttempts[key, default: 0] += 1 }
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

    /// The reference JPEG for an asset name, painted once then cached.
    func referenceAsset(named name: String) throws(ImageSynthesisError) -> [UInt8] {
        if let cached = ledger.withLock({ $0.referenceAssets[name] }) { return cached }
        let bytes = try ReferenceAsset.jpeg(named: name)
        ledger.withLock { $0.referenceAssets[name] = bytes }
        return bytes
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

    /// The JSON served at `GET /sim/state`.
    var stateReport: JSONValue {
        ledger.withLock { ledger in
            .object([
                "submittedTaskCount": .integer(Int64(ledger.submittedTaskCount)),
                "acceptedTaskCount": .integer(Int64(ledger.acceptedTaskCount)),
                "images": .array(ledger.generated.map(\.jsonValue)),
                "webhookAttempts": .object(ledger.webhookAttempts.mapValues { .integer(Int64($0)) }),
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
