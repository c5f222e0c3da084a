/// One IP-Adapter guiding the generation with images (an element of `ipAdapters`).
package struct IPAdapterSpec: Sendable, Hashable {
    /// The IP-Adapter model's AIR identifier; never empty.
    package var model: String
    /// Influence, −4…4 (Runware's default is 1).
    package var weight: Double?
    /// At least one guide image: UUID, http(s) URL, data URI or base64.
    package var guideImages: [String]
    /// How several guide images are combined; Runware's 5 values are unpublished, so any non-empty string.
    package var combineMethod: String?
    /// Which embedding components are used; any non-empty string (4 unpublished values).
    package var embedScaling: String?
    /// How influence evolves over the steps; any non-empty string (13 unpublished values).
    package var weightType: String?
    /// Influence on composition/layout, 0…1.
    package var weightComposition: Double?

    /// Makes the options from typed values, taken as given (`TaskValidator` enforces the ranges).
    package init(
        model: String, weight: Double? = nil, guideImages: [String], combineMethod: String? = nil,
        embedScaling: String? = nil, weightType: String? = nil, weightComposition: Double? = nil
    ) {
        self.model = model
        self.weight = weight
        self.guideImages = guideImages
        self.combineMethod = combineMethod
        self.embedScaling = embedScaling
        self.weightType = weightType
        self.weightComposition = weightComposition
    }

    /// The wire object with only the members that are set.
    var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("model", model)
        object.set("weight", weight)
        object.set("guideImages", JSONValue.array(guideImages.map(JSONValue.string)))
        object.set("combineMethod", combineMethod)
        object.set("embedScaling", embedScaling)
        object.set("weightType", weightType)
        object.set("weightComposition", weightComposition)
        return object.value
    }
}
