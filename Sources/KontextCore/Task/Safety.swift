/// Content safety checking for a task (`safety`).
package struct Safety: Sendable, Hashable {
    /// Whether Runware checks the output for unsafe content (`checkContent`).
    package var checkContent: Bool?
    /// `none` (no check) or `fast` (one check), lowercase.
    package var mode: String?

    /// The modes Runware accepts, in canonical spelling.
    package static let modes = ["none", "fast"]

    /// Makes the options from typed values, taken as given (`TaskValidator` enforces the ranges).
    package init(checkContent: Bool? = nil, mode: String? = nil) {
        self.checkContent = checkContent
        self.mode = mode
    }

    /// The wire object with only the members that are set.
    var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("checkContent", checkContent)
        object.set("mode", mode)
        return object.value
    }
}
