/// Checks a JSON task object against every rule of the FLUX.1 Kontext [dev] `imageInference`
/// reference and the platform rules for its origin, and turns it into an `ImageInferenceTask`.
///
/// Every violation is reported at once, each with its full field path, the rule and the value
/// sent. Nothing is silently dropped: an unknown member at any level is a violation.
package enum TaskValidator {
    /// The task type this daemon handles.
    package static let taskType = "imageInference"
    /// Prompt length bounds in characters (grapheme clusters).
    package static let promptLength = 2...3000
    /// Largest seed: the reference's maximum, 9223372036854776000, is 2^63 rounded by a float.
    package static let maximumSeed: UInt64 = 1 << 63
    /// Steps bounds (reference: 1–50); also bounds every step count in `acceleratorOptions`.
    package static let stepsRange = 1...50
    /// `ttl` bounds in seconds. The reference gives only the minimum; a year is far beyond any use
    /// of a result URL and keeps every sum of a timestamp and a ttl far from overflow.
    package static let ttlRange = 60...31_536_000
    /// `trueCFGScale` bounds. The reference gives none; this is wide on purpose (Runware's own
    /// check decides inside it) and only keeps absurd values such as 1e308 out of the store.
    package static let trueCFGScaleRange: ClosedRange<Double> = -100...100
    /// `width`/`height` bounds: no side of any supported size is larger (the supported pair is
    /// checked after), so a size is rejected before any arithmetic on it.
    package static let sideRange = 1...ImageSize.largestKontextSide

    /// Every member a task object may have, in schema order (also the order issues are reported in).
    package static let knownFields = [
        "taskType", "taskUUID", "model", "positivePrompt", "negativePrompt", "inputs", "referenceImages",
        "width", "height", "seed", "steps", "scheduler", "CFGScale", "trueCFGScale", "numberResults",
        "outputType", "outputFormat", "outputQuality", "uploadEndpoint", "webhookURL", "deliveryMethod",
        "safety", "ttl", "includeCost", "acceleratorOptions", "lora", "ipAdapters", "ultralytics",
    ]

    /// Validates a JSON task object; returns the typed task, or every violation at once.
    package static func validate(_ value: JSONValue, origin: TaskOrigin) -> Result<ImageInferenceTask, TaskValidationError> {
        guard case .object(let members) = value else {
            let issue = ValidationIssue(field: "task", rule: "must be a JSON object", offending: value)
            return .failure(TaskValidationError(issues: [issue]))
        }
        let task = JSONObjectReader(members: members, path: "")
        var log = ValidationLog()

        validateTaskType(task, origin: origin, into: &log)
        let taskUUID = readTaskUUID(task, origin: origin, into: &log)
        let model = readModel(task, into: &log)
        let positivePrompt = task.string("positivePrompt", required: true, length: promptLength, into: &log)
        let negativePrompt = task.string("negativePrompt", length: promptLength, into: &log)
        let referenceImages = readReferenceImages(task, into: &log)
        let size = readSize(task, into: &log)
        let seed = readSeed(task, into: &log)
        let steps = task.integer("steps", range: stepsRange, into: &log)
        let scheduler = readScheduler(task, into: &log)
        let cfgScale = task.number("CFGScale", range: 0...20, into: &log)
        let trueCFGScale = task.number("trueCFGScale", range: trueCFGScaleRange, into: &log)
        let numberResults = task.integer("numberResults", range: 1...20, into: &log)
        let outputType = readOutputType(task, into: &log)
        let outputFormat = readOutputFormat(task, into: &log)
        let outputQuality = task.integer("outputQuality", range: 20...99, into: &log)
        let uploadEndpoint = readHTTPURL(task, "uploadEndpoint", into: &log)
        let webhookURL = readWebhookURL(task, origin: origin, into: &log)
        let deliveryMethod = readDeliveryMethod(task, origin: origin, into: &log)
        let safety = readSafety(task, into: &log)
        let ttl = readTTL(task, outputType: outputType, outputTypeGiven: task.contains("outputType"), into: &log)
        let includeCost = task.bool("includeCost", into: &log)
        let acceleratorOptions = readAcceleratorOptions(task, steps: steps, scheduler: scheduler, into: &log)
        let lora = readLora(task, into: &log)
        let ipAdapters = readIPAdapters(task, into: &log)
        let ultralytics = readUltralytics(task, into: &log)
        task.rejectUnknownMembers(known: knownFields, into: &log)

        guard log.issues.isEmpty, let model, let positivePrompt else {
            return .failure(TaskValidationError(issues: log.issues))
        }
        return .success(ImageInferenceTask(
            taskUUID: taskUUID, model: model, positivePrompt: positivePrompt, negativePrompt: negativePrompt,
            referenceImages: referenceImages, size: size, seed: seed, steps: steps, scheduler: scheduler,
            cfgScale: cfgScale, trueCFGScale: trueCFGScale, numberResults: numberResults ?? 1,
            outputType: outputType ?? .url, outputFormat: outputFormat ?? .jpg, outputQuality: outputQuality,
            uploadEndpoint: uploadEndpoint, webhookURL: webhookURL, deliveryMethod: deliveryMethod,
            safety: safety, ttl: ttl, includeCost: includeCost, acceleratorOptions: acceleratorOptions,
            lora: lora, ipAdapters: ipAdapters, ultralytics: ultralytics, warnings: log.warnings))
    }

    // MARK: Platform fields

    private static func validateTaskType(_ task: JSONObjectReader, origin: TaskOrigin, into log: inout ValidationLog) {
        // A client may leave it out: kontextd only handles imageInference.
        guard let taskType = task.string("taskType", required: origin == .runware, into: &log) else { return }
        if taskType != Self.taskType {
            log.record(field: "taskType", rule: "must be \"\(Self.taskType)\"", offending: .string(taskType))
        }
    }

    private static func readTaskUUID(_ task: JSONObjectReader, origin: TaskOrigin, into log: inout ValidationLog) -> String? {
        guard let text = task.string("taskUUID", required: origin == .runware, into: &log) else { return nil }
        guard let uuid = UUIDText.normalisedV4(text) else {
            log.record(
                field: "taskUUID",
                rule: "must be a UUID v4 (8-4-4-4-12 hex digits, version digit 4, variant digit 8, 9, a or b)",
                offending: .string(text))
            return nil
        }
        return uuid
    }

    private static func readModel(_ task: JSONObjectReader, into log: inout ValidationLog) -> String? {
        guard let model = task.string("model", required: true, into: &log) else { return nil }
        guard model == ImageInferenceTask.kontextDevModel else {
            log.record(
                field: "model", rule: "must be \"\(ImageInferenceTask.kontextDevModel)\" (FLUX.1 Kontext [dev])",
                offending: .string(model))
            return nil
        }
        return model
    }

    private static func readOutputType(_ task: JSONObjectReader, into log: inout ValidationLog) -> OutputType? {
        let names = OutputType.allCases.map(\.rawValue)
        return task.enumeration("outputType", allowed: names, into: &log).flatMap(OutputType.init(rawValue:))
    }

    private static func readOutputFormat(_ task: JSONObjectReader, into log: inout ValidationLog) -> OutputFormat? {
        guard let text = task.string("outputFormat", into: &log) else { return nil }
        guard let format = OutputFormat(wireValue: text) else {
            log.record(
                field: "outputFormat", rule: "must be one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))",
                offending: .string(text))
            return nil
        }
        return format
    }

    /// An absolute http(s) URL member such as `uploadEndpoint` or `webhookURL`.
    static func readHTTPURL(_ object: JSONObjectReader, _ key: String, into log: inout ValidationLog) -> String? {
        guard let text = object.string(key, into: &log) else { return nil }
        guard HTTPURLText.isAbsoluteHTTP(text) else {
            log.record(field: object.fieldPath(key), rule: "must be an absolute http(s) URL", offending: .string(text))
            return nil
        }
        return text
    }

    private static func readWebhookURL(_ task: JSONObjectReader, origin: TaskOrigin, into log: inout ValidationLog) -> String? {
        switch origin {
        case .runware:
            return readHTTPURL(task, "webhookURL", into: &log)
        case .client:
            if let value = task["webhookURL"] {
                log.record(
                    field: "webhookURL",
                    rule: "is set by kontextd (it receives Runware's results itself); leave it out",
                    offending: value)
            }
            return nil
        }
    }

    private static func readDeliveryMethod(_ task: JSONObjectReader, origin: TaskOrigin, into log: inout ValidationLog) -> String? {
        guard let method = task.enumeration("deliveryMethod", allowed: ["sync", "async"], into: &log) else { return nil }
        if origin == .client, method == "sync" {
            log.record(
                field: "deliveryMethod",
                rule: "must be \"async\" or left out: kontextd always has Runware deliver results to its webhook",
                offending: task["deliveryMethod"]!)
            return nil
        }
        return method
    }

    private static func readSafety(_ task: JSONObjectReader, into log: inout ValidationLog) -> Safety? {
        guard let safety = task.object("safety", into: &log) else { return nil }
        let checkContent = safety.bool("checkContent", into: &log)
        let mode = safety.enumeration("mode", allowed: Safety.modes, into: &log)
        if checkContent == true, mode == "none" {
            log.record(
                field: safety.fieldPath("mode"),
                rule: "must not be \"none\" when checkContent is true (checking needs mode \"fast\")",
                offending: safety["mode"]!)
        }
        safety.rejectUnknownMembers(known: ["checkContent", "mode"], into: &log)
        return Safety(checkContent: checkContent, mode: mode)
    }

    private static func readTTL(
        _ task: JSONObjectReader, outputType: OutputType?, outputTypeGiven: Bool, into log: inout ValidationLog
    ) -> Int? {
        guard let ttl = task.integer("ttl", range: ttlRange, into: &log) else { return nil }
        // Only judge the pairing when outputType itself is valid (or defaulted to URL).
        let effectiveType = outputTypeGiven ? outputType : .url
        if let effectiveType, effectiveType != .url {
            log.record(
                field: "ttl", rule: "only applies when outputType is URL (outputType is \(effectiveType.rawValue))",
                offending: task["ttl"]!)
            return nil
        }
        return ttl
    }

    // MARK: Generation fields

    private static func readSize(_ task: JSONObjectReader, into log: inout ValidationLog) -> ImageSize? {
        let width = task.integer("width", range: sideRange, into: &log)
        let height = task.integer("height", range: sideRange, into: &log)
        switch (task.contains("width"), task.contains("height")) {
        case (true, false):
            log.record(.missing(field: "height", rule: "width and height go together: give both or neither"))
            return nil
        case (false, true):
            log.record(.missing(field: "width", rule: "width and height go together: give both or neither"))
            return nil
        default:
            break
        }
        guard let width, let height else { return nil }
        let size = ImageSize(width: width, height: height)
        guard ImageSize.kontextSizes.contains(size) else {
            let nearest = ImageSize.kontextSizes.min { distance($0, size) < distance($1, size) }!
            log.record(
                field: "width",
                rule: "\(size) (width x height) is not a size FLUX.1 Kontext [dev] supports; nearest is \(nearest); "
                    + "supported: \(ImageSize.kontextSizes.map(\.description).joined(separator: ", "))",
                offending: task["width"]!)
            return nil
        }
        return size
    }

    /// Squared distance between sizes; both sides are within `sideRange` here, so it cannot overflow.
    private static func distance(_ a: ImageSize, _ b: ImageSize) -> Int {
        let dx = a.width - b.width, dy = a.height - b.height
        return dx * dx + dy * dy
    }

    private static func readSeed(_ task: JSONObjectReader, into log: inout ValidationLog) -> UInt64? {
        guard let value = task["seed"] else { return nil }
        let rangeRule = "must be between 0 and \(maximumSeed)"
        switch value {
        case .integer(let seed):
            guard seed >= 0 else {
                log.record(field: "seed", rule: rangeRule, offending: value)
                return nil
            }
            return UInt64(seed)
        case .unsignedInteger(let seed):
            guard seed <= maximumSeed else {
                log.record(field: "seed", rule: rangeRule, offending: value)
                return nil
            }
            return seed
        case .double(let seed) where seed.isFinite && seed.rounded() == seed:
            // 2^63 itself is exactly representable; anything beyond is out of range.
            guard seed >= 0, seed <= Double(maximumSeed) else {
                log.record(field: "seed", rule: rangeRule, offending: value)
                return nil
            }
            return UInt64(seed)
        default:
            log.record(field: "seed", rule: "must be an integer", offending: value)
            return nil
        }
    }

    private static func readScheduler(_ task: JSONObjectReader, into log: inout ValidationLog) -> String? {
        guard let name = task.string("scheduler", into: &log) else { return nil }
        if let canonical = SchedulerCatalog.canonicalName(name) { return canonical }
        // Always name a scheduler: a typo gets "did you mean", anything else the closest known name.
        let hint: String
        if let near = SchedulerCatalog.nearest(to: name) {
            hint = " (did you mean \(near)?)"
        } else {
            hint = EditDistance.closest(to: name, in: SchedulerCatalog.known).map { " (nearest known: \($0.name))" } ?? ""
        }
        log.record(field: "scheduler", rule: "must be a known scheduler\(hint)", offending: .string(name))
        return nil
    }
}
