/// Ultralytics face detection and refinement during generation (`ultralytics`); every member optional.
package struct UltralyticsOptions: Sendable, Hashable {
    /// Face refinement guidance scale, 0–50 (wire name `CFGScale`).
    package var cfgScale: Double?
    /// Detection confidence threshold, 0–1.
    package var confidence: Double?
    /// Mask feathering, 0–100.
    package var maskBlur: Int?
    /// Padding around a detected face in pixels, 0–20.
    package var maskPadding: Int?
    /// Negative prompt for the refinement.
    package var negativePrompt: String?
    /// Positive prompt for the refinement.
    package var positivePrompt: String?
    /// Refinement steps, 1–100.
    package var steps: Int?
    /// Refinement strength, 0–1.
    package var strength: Double?

    /// Makes the options from typed values, taken as given (`TaskValidator` enforces the ranges).
    package init(
        cfgScale: Double? = nil, confidence: Double? = nil, maskBlur: Int? = nil, maskPadding: Int? = nil,
        negativePrompt: String? = nil, positivePrompt: String? = nil, steps: Int? = nil, strength: Double? = nil
    ) {
        self.cfgScale = cfgScale
        self.confidence = confidence
        self.maskBlur = maskBlur
        self.maskPadding = maskPadding
        self.negativePrompt = negativePrompt
        self.positivePrompt = positivePrompt
        self.steps = steps
        self.strength = strength
    }

    /// The wire object with only the members that are set.
    var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("CFGScale", cfgScale)
        object.set("confidence", confidence)
        object.set("maskBlur", maskBlur)
        object.set("maskPadding", maskPadding)
        object.set("negativePrompt", negativePrompt)
        object.set("positivePrompt", positivePrompt)
        object.set("steps", steps)
        object.set("strength", strength)
        return object.value
    }
}
