extension ImageInferenceTask {
    /// The request as the client expressed it, normalised so that two ways of writing the same
    /// request compare equal: reference images under `inputs.referenceImages`, enumerations in
    /// canonical spelling, defaults (`numberResults`, `outputType`, `outputFormat`) written out,
    /// `taskType` always present; without `taskUUID`, `webhookURL` and `deliveryMethod`, which
    /// are transport details kontextd decides. Use it for idempotency comparison and storage.
    package var canonicalRequest: JSONValue {
        var object = JSONObjectBuilder()
        object.set("taskType", "imageInference")
        object.set("model", model)
        object.set("positivePrompt", positivePrompt)
        object.set("negativePrompt", negativePrompt)
        if !referenceImages.isEmpty {
            object.set("inputs", JSONValue.object(["referenceImages": .array(referenceImages.map(JSONValue.string))]))
        }
        object.set("width", size?.width)
        object.set("height", size?.height)
        object.set("seed", seed)
        object.set("steps", steps)
        object.set("scheduler", scheduler)
        object.set("CFGScale", cfgScale)
        object.set("trueCFGScale", trueCFGScale)
        object.set("numberResults", numberResults)
        object.set("outputType", outputType.rawValue)
        object.set("outputFormat", outputFormat.rawValue)
        object.set("outputQuality", outputQuality)
        object.set("uploadEndpoint", uploadEndpoint)
        object.set("safety", safety?.jsonValue)
        object.set("ttl", ttl)
        object.set("includeCost", includeCost)
        object.set("acceleratorOptions", acceleratorOptions?.jsonValue)
        if !lora.isEmpty { object.set("lora", JSONValue.array(lora.map(\.jsonValue))) }
        if !ipAdapters.isEmpty { object.set("ipAdapters", JSONValue.array(ipAdapters.map(\.jsonValue))) }
        object.set("ultralytics", ultralytics?.jsonValue)
        return object.value
    }

    /// The task object to send to Runware: every set field as in `canonicalRequest`, plus the given
    /// `taskUUID`; with a `webhookURL`, that URL and `deliveryMethod: "async"`; without one, the
    /// task's own `deliveryMethod` if it has one. `outputFormat` is uppercase and reference images
    /// sit under `inputs.referenceImages`. Callers wrap it in the request array.
    package func runwarePayload(taskUUID: String, webhookURL: String?) -> JSONValue {
        guard case .object(var members) = canonicalRequest else { return canonicalRequest }
        members["taskUUID"] = .string(taskUUID)
        if let webhookURL {
            members["webhookURL"] = .string(webhookURL)
            members["deliveryMethod"] = .string("async")
        } else if let deliveryMethod {
            members["deliveryMethod"] = .string(deliveryMethod)
        }
        return .object(members)
    }
}
