import KontextCore
import Testing

/// Every numeric field of the task object, fed the extremes a hostile client would send. Each must
/// be either accepted (only when the value lies in the field's documented range) or rejected with
/// exactly one issue at that field naming the rule and the value — never a trap.
@Suite struct TaskValidatorExtremesTests {
    /// One numeric field: where it lives (a patch with `#` where the value goes), its range, and
    /// whether it takes integers only.
    struct NumericField: Sendable, CustomTestStringConvertible {
        let path: String
        let patch: String
        let range: ClosedRange<Double>
        let integral: Bool
        var testDescription: String { path }
    }

    static let fields: [NumericField] = [
        NumericField(path: "width", patch: #"{"width": #, "height": 832}"#, range: 1...1568, integral: true),
        NumericField(path: "height", patch: #"{"width": 1248, "height": #}"#, range: 1...1568, integral: true),
        NumericField(path: "seed", patch: #"{"seed": #}"#, range: 0...0x1p63, integral: true),
        NumericField(path: "steps", patch: #"{"steps": #}"#, range: 1...50, integral: true),
        NumericField(path: "CFGScale", patch: #"{"CFGScale": #}"#, range: 0...20, integral: false),
        NumericField(path: "trueCFGScale", patch: #"{"trueCFGScale": #}"#, range: -100...100, integral: false),
        NumericField(path: "numberResults", patch: #"{"numberResults": #}"#, range: 1...20, integral: true),
        NumericField(path: "outputQuality", patch: #"{"outputQuality": #}"#, range: 20...99, integral: true),
        NumericField(path: "ttl", patch: #"{"ttl": #}"#, range: 60...31_536_000, integral: true),
        NumericField(path: "acceleratorOptions.cacheEndStep", patch: #"{"acceleratorOptions": {"cacheEndStep": #}}"#, range: 1...50, integral: true),
        NumericField(path: "acceleratorOptions.cacheEndStepPercentage", patch: #"{"acceleratorOptions": {"cacheEndStepPercentage": #}}"#, range: 1...100, integral: true),
        NumericField(path: "acceleratorOptions.cacheMaxConsecutiveSteps", patch: #"{"acceleratorOptions": {"cacheMaxConsecutiveSteps": #}}"#, range: 1...5, integral: true),
        NumericField(path: "acceleratorOptions.cacheStartStep", patch: #"{"acceleratorOptions": {"cacheStartStep": #}}"#, range: 0...49, integral: true),
        NumericField(path: "acceleratorOptions.cacheStartStepPercentage", patch: #"{"acceleratorOptions": {"cacheStartStepPercentage": #}}"#, range: 0...99, integral: true),
        NumericField(path: "acceleratorOptions.fbCacheThreshold", patch: #"{"acceleratorOptions": {"fbCacheThreshold": #}}"#, range: 0...1, integral: false),
        NumericField(path: "acceleratorOptions.teaCacheDistance", patch: #"{"acceleratorOptions": {"teaCacheDistance": #}}"#, range: 0...1, integral: false),
        NumericField(path: "acceleratorOptions.dbCacheThreshold", patch: #"{"acceleratorOptions": {"dbCacheThreshold": #}}"#, range: 0...1, integral: false),
        NumericField(path: "acceleratorOptions.dbCacheSkipInterval", patch: #"{"acceleratorOptions": {"dbCacheSkipInterval": #}}"#, range: 1...50, integral: true),
        NumericField(path: "lora[0].weight", patch: #"{"lora": [{"model": "civitai:1@1", "weight": #}]}"#, range: -4...4, integral: false),
        NumericField(path: "ipAdapters[0].weight", patch: #"{"ipAdapters": [{"model": "m", "guideImages": ["https://a.example/x.jpg"], "weight": #}]}"#, range: -4...4, integral: false),
        NumericField(path: "ipAdapters[0].weightComposition", patch: #"{"ipAdapters": [{"model": "m", "guideImages": ["https://a.example/x.jpg"], "weightComposition": #}]}"#, range: 0...1, integral: false),
        NumericField(path: "ultralytics.CFGScale", patch: #"{"ultralytics": {"CFGScale": #}}"#, range: 0...50, integral: false),
        NumericField(path: "ultralytics.confidence", patch: #"{"ultralytics": {"confidence": #}}"#, range: 0...1, integral: false),
        NumericField(path: "ultralytics.maskBlur", patch: #"{"ultralytics": {"maskBlur": #}}"#, range: 0...100, integral: true),
        NumericField(path: "ultralytics.maskPadding", patch: #"{"ultralytics": {"maskPadding": #}}"#, range: 0...20, integral: true),
        NumericField(path: "ultralytics.steps", patch: #"{"ultralytics": {"steps": #}}"#, range: 1...100, integral: true),
        NumericField(path: "ultralytics.strength", patch: #"{"ultralytics": {"strength": #}}"#, range: 0...1, integral: false),
    ]

    /// The extremes, as JSON literals: 64-bit limits and one past them, the largest doubles, a
    /// 30-digit integer, negative zero, fractions, and the largest width a 32-bit product overflows on.
    static let extremes = [
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551615",
        "18446744073709551616", "-9223372036854775809", "123456789012345678901234567890",
        "-123456789012345678901234567890", "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "-0", "-0.0",
        "0.5", "1.5", "-1", "4000000000", "3037000500", "1e19", "9.5e18",
    ]

    @Test(arguments: fields)
    func extremesAreRejectedWithFieldRuleAndValue(_ field: NumericField) throws {
        for literal in Self.extremes {
            let patch = field.patch.replacingOccurrences(of: "#", with: literal)
            let task = TaskFixtures.task(origin: .client, patch: patch)
            let sent = try #require(JSONCoding.parse(literal).doubleValue)
            let isWhole = sent.rounded() == sent
            let inRange = field.range.contains(sent) && (!field.integral || isWhole)
            switch TaskValidator.validate(task, origin: .client) {
            case .success:
                #expect(inRange, "\(field.path) accepted \(literal)")
            case .failure(let error):
                #expect(!inRange, "\(field.path) rejected \(literal), which is in range: \(error)")
                #expect(error.issues.count == 1, "\(field.path) = \(literal): \(error)")
                let issue = try #require(error.issue(for: field.path), "\(field.path) = \(literal): \(error)")
                #expect(issue.rule.hasPrefix("must be"), "\(issue)")
                if field.integral && !isWhole {
                    #expect(issue.rule == "must be an integer", "\(issue)")
                } else {
                    #expect(issue.rule.contains("between"), "\(issue)")
                }
                #expect(issue.value == ValidationIssue.render(try JSONCoding.parse(literal)), "\(issue)")
            }
        }
    }

    /// The report from the issue: 4000000000 x 1 trapped in the nearest-size arithmetic.
    @Test func hugeWidthIsAnIssueNotATrap() throws {
        let task = TaskFixtures.task(origin: .client, patch: #"{"width": 4000000000, "height": 1}"#)
        guard case .failure(let error) = TaskValidator.validate(task, origin: .client) else {
            Issue.record("accepted 4000000000x1")
            return
        }
        #expect(error.issues.map(\.description) == ["width: must be between 1 and 1568, got 4000000000"])
    }

    @Test func supportedSizeBoundsComeFromTheSizeList() {
        #expect(ImageSize.largestKontextSide == 1568)
        #expect(ImageSize.largestKontextPixelCount == 1328 * 800)
    }

    /// A hundred thousand unknown members: a bounded answer (the first issues and a count), found
    /// without a typo suggestion for each.
    @Test func manyUnknownMembersGiveABoundedReport() throws {
        var members = TaskFixtures.clientBase
        for index in 0..<100_000 { members["unknown\(index)"] = .integer(1) }
        guard case .failure(let error) = TaskValidator.validate(.object(members), origin: .client) else {
            Issue.record("accepted unknown members")
            return
        }
        #expect(error.issues.count == 101)
        let last = try #require(error.issues.last)
        #expect(last.field == "task")
        #expect(last.rule.contains("99900 more issues not listed"), "\(last)")
    }

    /// Edit distance over a megabyte-long name would take seconds; it is not computed at all.
    @Test func longNamesGetNoSuggestion() {
        let long = String(repeating: "positivePrompt", count: 80_000)
        #expect(EditDistance.closest(to: long, in: TaskValidator.knownFields) == nil)
        #expect(EditDistance.nearest(to: String(repeating: "x", count: 65), in: ["x"]) == nil)
        #expect(EditDistance.nearest(to: "positivePromt", in: TaskValidator.knownFields) == "positivePrompt")
    }
}
