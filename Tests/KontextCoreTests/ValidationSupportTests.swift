import KontextCore
import Testing

@Suite struct ValidationSupportTests {
    @Test(arguments: [
        ("kitten", "sitting", 3), ("", "abc", 3), ("abc", "", 3), ("Euler", "Euler", 0), ("Eulr", "Euler", 1),
        ("flaw", "lawn", 2),
    ])
    func levenshtein(_ a: String, _ b: String, _ distance: Int) {
        #expect(EditDistance.levenshtein(a, b) == distance)
    }

    @Test func nearestIgnoresCaseAndGivesUpOnUnrelatedNames() {
        #expect(EditDistance.nearest(to: "POSITIVEPROMPT", in: ["negativePrompt", "positivePrompt"]) == "positivePrompt")
        #expect(EditDistance.nearest(to: "zzzzzzzzzzzz", in: ["seed", "steps"]) == nil)
    }

    @Test(arguments: [
        ("default", "Default"), ("EULER A", "Euler a"), ("dpm++ 3m sde", "DPM++ 3M SDE"),
        ("unipc 2m", "UniPC 2M"), ("lcmscheduler", "LCMScheduler"),
    ])
    func schedulerCanonicalName(_ given: String, _ canonical: String) {
        #expect(SchedulerCatalog.canonicalName(given) == canonical)
    }

    @Test func schedulerCatalogHasNoDuplicatesAndRejectsUnknown() {
        #expect(Set(SchedulerCatalog.known.map { $0.lowercased() }).count == SchedulerCatalog.known.count)
        #expect(SchedulerCatalog.canonicalName("Euler Ancestral") == nil)
        #expect(SchedulerCatalog.nearest(to: "Huen Karras") == "Heun Karras")
    }

    @Test(arguments: [
        ("Euler a", true), ("DPM++ SDE Karras", true), ("KDPM2AncestralDiscreteScheduler", true),
        ("DPM++ 2S a", true), ("Euler", false), ("DPM++ 2M Karras", false), ("Default", false), ("LCM", false),
    ])
    func stochasticSchedulers(_ name: String, _ stochastic: Bool) {
        #expect(SchedulerCatalog.isStochastic(name) == stochastic)
    }

    @Test(arguments: [
        ("da3533af-ea2f-48e3-ae3d-7cb4b1918a28", "da3533af-ea2f-48e3-ae3d-7cb4b1918a28"),
        ("DA3533AF-EA2F-48E3-BE3D-7CB4B1918A28", "da3533af-ea2f-48e3-be3d-7cb4b1918a28"),
        ("da3533af-ea2f-48e3-8e3d-7cb4b1918a28", "da3533af-ea2f-48e3-8e3d-7cb4b1918a28"),
    ])
    func uuidV4Accepted(_ text: String, _ normalised: String) {
        #expect(UUIDText.normalisedV4(text) == normalised)
    }

    @Test(arguments: [
        "da3533af-ea2f-58e3-ae3d-7cb4b1918a28", "da3533af-ea2f-48e3-7e3d-7cb4b1918a28",
        "da3533af-ea2f-48e3-ae3d-7cb4b1918a2", "da3533afxea2f-48e3-ae3d-7cb4b1918a28",
        "ga3533af-ea2f-48e3-ae3d-7cb4b1918a28", "",
    ])
    func uuidV4Rejected(_ text: String) {
        #expect(UUIDText.normalisedV4(text) == nil)
    }

    @Test func anyUUIDVersionIsAnImageReference() throws {
        #expect(UUIDText.normalised("da3533af-ea2f-18e3-ce3d-7cb4b1918a28") != nil)
        #expect(try ImageReferenceKind.classify("da3533af-ea2f-18e3-ce3d-7cb4b1918a28").get() == .uuid)
    }

    @Test func imageReferenceKinds() throws {
        #expect(try ImageReferenceKind.classify(TaskFixtures.imageURL).get() == .url)
        #expect(try ImageReferenceKind.classify("data:image/png;base64,\(TaskFixtures.pngBase64)").get() == .dataURI)
        #expect(try ImageReferenceKind.classify("data:image/jpg;base64,\(TaskFixtures.jpegBase64)").get() == .dataURI)
        #expect(try ImageReferenceKind.classify(TaskFixtures.webpBase64).get() == .base64)
        // Wrapped base64, as MIME encoders write it.
        let wrapped = TaskFixtures.pngBase64.prefix(8) + "\r\n" + TaskFixtures.pngBase64.dropFirst(8)
        #expect(try ImageReferenceKind.classify(String(wrapped)).get() == .base64)
    }

    @Test func renderShortensLongValues() {
        let long = JSONValue.string(String(repeating: "x", count: 500))
        let rendered = ValidationIssue.render(long)
        #expect(rendered.count < 130)
        #expect(rendered.hasSuffix("(502 characters)"))
        #expect(ValidationIssue.render(.string("foo")) == #""foo""#)
        #expect(ValidationIssue.render(.integer(40)) == "40")
    }

    @Test func issueDescription() {
        let issue = ValidationIssue(field: "lora[1].weight", rule: "must be between -4 and 4", value: "9")
        #expect(issue.description == "lora[1].weight: must be between -4 and 4, got 9")
        #expect(ValidationIssue.missing(field: "model").description == "model: is required, got missing")
        let error = TaskValidationError(issues: [issue, .missing(field: "model")])
        #expect(error.description == "lora[1].weight: must be between -4 and 4, got 9\nmodel: is required, got missing")
    }
}
