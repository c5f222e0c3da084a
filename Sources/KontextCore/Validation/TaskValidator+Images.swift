extension TaskValidator {
    /// Reference images from `inputs.referenceImages` or top-level `referenceImages` (never both);
    /// empty when neither is given.
    static func readReferenceImages(_ task: JSONObjectReader, into log: inout ValidationLog) -> [String] {
        let countRule = "must have 1 to \(ImageInferenceTask.maximumReferenceImages) items "
            + "(FLUX.1 Kontext [dev] takes up to \(ImageInferenceTask.maximumReferenceImages) reference images)"
        var nested: [String]?
        if let inputs = task.object("inputs", into: &log) {
            nested = readImageList(
                inputs, "referenceImages", maximumCount: ImageInferenceTask.maximumReferenceImages,
                countRule: countRule, into: &log)
            inputs.rejectUnknownMembers(known: ["referenceImages"], into: &log)
        }
        guard let topLevelValue = task["referenceImages"] else { return nested ?? [] }
        if task["inputs"]?["referenceImages"] != nil {
            log.record(
                field: "referenceImages",
                rule: "give reference images either as inputs.referenceImages or as top-level referenceImages, not both",
                offending: topLevelValue)
            return []
        }
        return readImageList(
            task, "referenceImages", maximumCount: ImageInferenceTask.maximumReferenceImages,
            countRule: countRule, into: &log) ?? []
    }

    /// A non-empty list of images, each a UUID, an http(s) URL, a data URI or base64 of a PNG, JPEG or WEBP.
    static func readImageList(
        _ object: JSONObjectReader, _ key: String, maximumCount: Int? = nil, required: Bool = false,
        countRule: String? = nil, into log: inout ValidationLog
    ) -> [String]? {
        guard let elements = object.array(
            key, minimumCount: 1, maximumCount: maximumCount, required: required, countRule: countRule, into: &log)
        else { return nil }
        var images: [String] = []
        var allValid = true
        for (index, element) in elements.enumerated() {
            let path = "\(object.fieldPath(key))[\(index)]"
            guard case .string(let text) = element else {
                log.record(field: path, rule: "must be a string", offending: element)
                allValid = false
                continue
            }
            if case .failure(let rejection) = ImageReferenceKind.classify(text) {
                log.record(field: path, rule: rejection.reason, offending: element)
                allValid = false
                continue
            }
            images.append(text)
        }
        return allValid ? images : nil
    }
}
