extension TaskValidator {
    /// Every member `acceleratorOptions` may have.
    package static let acceleratorFields = [
        "cacheEndStep", "cacheEndStepPercentage", "cacheMaxConsecutiveSteps", "cacheStartStep",
        "cacheStartStepPercentage", "fbCache", "fbCacheThreshold", "teaCache", "teaCacheDistance",
        "dbCache", "dbCacheThreshold", "dbCacheSkipInterval",
    ]
    /// Every member a `lora` element may have.
    package static let loraFields = ["model", "weight", "transformer"]
    /// Every member an `ipAdapters` element may have.
    package static let ipAdapterFields = [
        "model", "weight", "guideImages", "combineMethod", "embedScaling", "weightType", "weightComposition",
    ]
    /// Every member `ultralytics` may have.
    package static let ultralyticsFields = [
        "CFGScale", "confidence", "maskBlur", "maskPadding", "negativePrompt", "positivePrompt", "steps", "strength",
    ]

    // MARK: acceleratorOptions

    static func readAcceleratorOptions(
        _ task: JSONObjectReader, steps: Int?, scheduler: String?, into log: inout ValidationLog
    ) -> AcceleratorOptions? {
        guard let object = task.object("acceleratorOptions", into: &log) else { return nil }
        var options = AcceleratorOptions(
            cacheEndStep: object.integer("cacheEndStep", range: 1...stepsRange.upperBound, into: &log),
            cacheEndStepPercentage: object.integer("cacheEndStepPercentage", range: 1...100, into: &log),
            cacheMaxConsecutiveSteps: object.integer("cacheMaxConsecutiveSteps", range: 1...5, into: &log),
            cacheStartStep: object.integer("cacheStartStep", range: 0...(stepsRange.upperBound - 1), into: &log),
            cacheStartStepPercentage: object.integer("cacheStartStepPercentage", range: 0...99, into: &log),
            fbCache: object.bool("fbCache", into: &log),
            fbCacheThreshold: object.number("fbCacheThreshold", range: 0...1, into: &log),
            teaCache: object.bool("teaCache", into: &log),
            teaCacheDistance: object.number("teaCacheDistance", range: 0...1, into: &log),
            dbCache: object.bool("dbCache", into: &log),
            dbCacheThreshold: object.number("dbCacheThreshold", range: 0...1, into: &log),
            dbCacheSkipInterval: object.integer("dbCacheSkipInterval", range: 1...stepsRange.upperBound, into: &log))
        checkCachingWindow(object, &options, steps: steps, into: &log)
        object.rejectUnknownMembers(known: acceleratorFields, into: &log)

        if options.requestsCaching, let scheduler, SchedulerCatalog.isStochastic(scheduler) {
            log.warn(
                "acceleratorOptions: caching with the stochastic scheduler \"\(scheduler)\" may degrade the image "
                    + "(Runware advises against caching with SDE or Ancestral schedulers)")
        }
        return options
    }

    /// Cross-member rules: cacheStartStep < cacheEndStep <= steps, cacheStartStepPercentage <
    /// cacheEndStepPercentage, and one form (absolute or percentage) only.
    private static func checkCachingWindow(
        _ object: JSONObjectReader, _ options: inout AcceleratorOptions, steps: Int?, into log: inout ValidationLog
    ) {
        let absoluteKeys = ["cacheStartStep", "cacheEndStep"].filter(object.contains)
        let percentageKeys = ["cacheStartStepPercentage", "cacheEndStepPercentage"].filter(object.contains)
        if !absoluteKeys.isEmpty, !percentageKeys.isEmpty {
            let conflicting = (absoluteKeys + percentageKeys).map { ($0, object[$0]!) }
            log.record(
                field: object.path,
                rule: "give the caching window either as cacheStartStep/cacheEndStep or as "
                    + "cacheStartStepPercentage/cacheEndStepPercentage, not both",
                offending: .object(Dictionary(uniqueKeysWithValues: conflicting)))
        }

        if let end = options.cacheEndStep {
            var bounds: [String] = []
            var violated = false
            if let start = options.cacheStartStep {
                bounds.append("> cacheStartStep (\(start))")
                violated = violated || end <= start
            }
            if let steps {
                bounds.append("<= steps (\(steps))")
                violated = violated || end > steps
            }
            if violated {
                log.record(
                    field: object.fieldPath("cacheEndStep"), rule: "must be \(bounds.joined(separator: " and "))",
                    offending: object["cacheEndStep"]!)
                options.cacheEndStep = nil
            }
        } else if let start = options.cacheStartStep, let steps, start >= steps {
            // Without an end, caching runs to the last step, so it must start before it.
            log.record(
                field: object.fieldPath("cacheStartStep"), rule: "must be < steps (\(steps))",
                offending: object["cacheStartStep"]!)
            options.cacheStartStep = nil
        }

        if let start = options.cacheStartStepPercentage, let end = options.cacheEndStepPercentage, end <= start {
            log.record(
                field: object.fieldPath("cacheEndStepPercentage"), rule: "must be > cacheStartStepPercentage (\(start))",
                offending: object["cacheEndStepPercentage"]!)
            options.cacheEndStepPercentage = nil
        }
    }

    // MARK: lora

    static func readLora(_ task: JSONObjectReader, into log: inout ValidationLog) -> [LoraSpec] {
        guard let elements = task.array("lora", minimumCount: 1, into: &log) else { return [] }
        var specs: [LoraSpec] = []
        for (index, element) in elements.enumerated() {
            guard let item = objectElement(element, path: "lora[\(index)]", into: &log) else { continue }
            let model = item.string("model", required: true, nonEmpty: true, into: &log)
            let weight = item.number("weight", range: -4...4, into: &log)
            let transformer = item.enumeration("transformer", allowed: LoraSpec.transformers, into: &log)
            item.rejectUnknownMembers(known: loraFields, into: &log)
            if let model { specs.append(LoraSpec(model: model, weight: weight, transformer: transformer)) }
        }
        return specs
    }

    // MARK: ipAdapters

    static func readIPAdapters(_ task: JSONObjectReader, into log: inout ValidationLog) -> [IPAdapterSpec] {
        guard let elements = task.array("ipAdapters", minimumCount: 1, into: &log) else { return [] }
        var specs: [IPAdapterSpec] = []
        for (index, element) in elements.enumerated() {
            guard let item = objectElement(element, path: "ipAdapters[\(index)]", into: &log) else { continue }
            let model = item.string("model", required: true, nonEmpty: true, into: &log)
            let weight = item.number("weight", range: -4...4, into: &log)
            let guideImages = readImageList(item, "guideImages", required: true, into: &log)
            let combineMethod = item.string("combineMethod", nonEmpty: true, into: &log)
            let embedScaling = item.string("embedScaling", nonEmpty: true, into: &log)
            let weightType = item.string("weightType", nonEmpty: true, into: &log)
            let weightComposition = item.number("weightComposition", range: 0...1, into: &log)
            item.rejectUnknownMembers(known: ipAdapterFields, into: &log)
            if let model, let guideImages {
                specs.append(IPAdapterSpec(
                    model: model, weight: weight, guideImages: guideImages, combineMethod: combineMethod,
                    embedScaling: embedScaling, weightType: weightType, weightComposition: weightComposition))
            }
        }
        return specs
    }

    // MARK: ultralytics

    static func readUltralytics(_ task: JSONObjectReader, into log: inout ValidationLog) -> UltralyticsOptions? {
        guard let object = task.object("ultralytics", into: &log) else { return nil }
        let options = UltralyticsOptions(
            cfgScale: object.number("CFGScale", range: 0...50, into: &log),
            confidence: object.number("confidence", range: 0...1, into: &log),
            maskBlur: object.integer("maskBlur", range: 0...100, into: &log),
            maskPadding: object.integer("maskPadding", range: 0...20, into: &log),
            negativePrompt: object.string("negativePrompt", into: &log),
            positivePrompt: object.string("positivePrompt", into: &log),
            steps: object.integer("steps", range: 1...100, into: &log),
            strength: object.number("strength", range: 0...1, into: &log))
        object.rejectUnknownMembers(known: ultralyticsFields, into: &log)
        return options
    }

    /// An array element that must be an object, as a reader under `path`.
    private static func objectElement(_ value: JSONValue, path: String, into log: inout ValidationLog) -> JSONObjectReader? {
        guard case .object(let members) = value else {
            log.record(field: path, rule: "must be an object", offending: value)
            return nil
        }
        return JSONObjectReader(members: members, path: path)
    }
}
