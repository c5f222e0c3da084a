/// One LoRA adapter applied to the generation (an element of `lora`).
package struct LoraSpec: Sendable, Hashable {
    /// The LoRA model's AIR identifier; never empty.
    package var model: String
    /// Influence, −4…4 (Runware's default is 1).
    package var weight: Double?
    /// Transformer stages: `high`, `low` or `both`, lowercase.
    package var transformer: String?

    /// The stage names Runware accepts, in canonical spelling.
    package static let transformers = ["high", "low", "both"]

    /// Makes the options from typed values, taken as given (`TaskValidator` enforces the ranges).
    package init(model: String, weight: Double? = nil, transformer: String? = nil) {
        self.model = model
        self.weight = weight
        self.transformer = transformer
    }

    /// The wire object with only the members that are set.
    var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("model", model)
        object.set("weight", weight)
        object.set("transformer", transformer)
        return object.value
    }
}
