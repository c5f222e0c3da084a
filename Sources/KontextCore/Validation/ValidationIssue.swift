/// One rule a task object breaks: where (`field`), which rule, and what was sent.
///
/// `field` is the full path of the offending member (`acceleratorOptions.cacheEndStep`,
/// `lora[1].weight`, `inputs.referenceImages[0]`), so a client can point at it directly.
package struct ValidationIssue: Sendable, Hashable, CustomStringConvertible {
    /// Full path of the offending member, e.g. `lora[1].weight`.
    package let field: String
    /// The rule broken, in words a person can act on, e.g. `must be between -4 and 4`.
    package let rule: String
    /// The offending value as compact JSON (`40`, `"foo"`), shortened when long, or `missing`.
    package let value: String
    /// False when the member's name, not its value, is the problem (an unknown field).
    private let valueIsRelevant: Bool

    /// Makes an issue whose description ends with `, got <value>`.
    package init(field: String, rule: String, value: String) {
        self.field = field
        self.rule = rule
        self.value = value
        self.valueIsRelevant = true
    }

    /// Makes an issue for an offending JSON value, rendered as compact JSON.
    package init(field: String, rule: String, offending: JSONValue) {
        self.init(field: field, rule: rule, value: Self.render(offending))
    }

    /// Makes an issue for a member that must be present but is not.
    package static func missing(field: String, rule: String = "is required") -> ValidationIssue {
        ValidationIssue(field: field, rule: rule, value: "missing")
    }

    /// Makes an issue for a member name the schema does not know; the rule names the nearest known one.
    package static func unknownField(_ field: String, value: JSONValue, nearest: String?) -> ValidationIssue {
        let hint = nearest.map { " (did you mean \($0)?)" } ?? ""
        return ValidationIssue(field: field, rule: "unknown field\(hint)", value: render(value), valueIsRelevant: false)
    }

    private init(field: String, rule: String, value: String, valueIsRelevant: Bool) {
        self.field = field
        self.rule = rule
        self.value = value
        self.valueIsRelevant = valueIsRelevant
    }

    /// `field: rule, got value`; for an unknown field just `field: rule`, since its name is the problem.
    package var description: String {
        valueIsRelevant ? "\(field): \(rule), got \(value)" : "\(field): \(rule)"
    }

    /// Longest rendering kept whole; a multi-megabyte base64 image must not end up in an error message.
    static let maximumRenderedLength = 120

    /// Renders a value as compact JSON, cut to `maximumRenderedLength` characters with a note of the full length.
    package static func render(_ value: JSONValue) -> String {
        let text = JSONCoding.encodeString(value)
        guard text.count > maximumRenderedLength else { return text }
        return "\(text.prefix(maximumRenderedLength - 20))… (\(text.count) characters)"
    }
}

/// Every rule a task object breaks, reported together so a client can fix them in one round.
package struct TaskValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The violations in a stable order (schema order, then unknown fields alphabetically); never empty.
    package let issues: [ValidationIssue]

    /// Wraps the violations found; callers only throw this with at least one issue.
    package init(issues: [ValidationIssue]) {
        self.issues = issues
    }

    /// One violation per line.
    package var description: String {
        issues.map(\.description).joined(separator: "\n")
    }

    /// The issue reported for a field path, if any (first one when several).
    package func issue(for field: String) -> ValidationIssue? {
        issues.first { $0.field == field }
    }
}

/// What validating one task object found: the violations (which reject it) and the warnings
/// (which do not), in the order they were found.
///
/// At most `maximumIssues` are kept: a hostile body with a hundred thousand bad members gets a
/// bounded answer (and bounded work), the rest counted in one closing issue.
struct ValidationLog {
    /// Issues kept in full; beyond this they are only counted.
    static let maximumIssues = 100

    private(set) var recorded: [ValidationIssue] = []
    private(set) var omitted = 0
    var warnings: [String] = []

    /// False once `maximumIssues` are kept: callers skip costly work (typo suggestions) for issues
    /// that would only be counted.
    var hasRoom: Bool { recorded.count < Self.maximumIssues }

    /// Every issue kept, followed by one counting those left out, if any.
    var issues: [ValidationIssue] {
        guard omitted > 0 else { return recorded }
        return recorded + [ValidationIssue(
            field: "task", rule: "has \(omitted) more issue\(omitted == 1 ? "" : "s") not listed (only the first \(Self.maximumIssues) are)",
            value: String(omitted))]
    }

    mutating func record(_ issue: ValidationIssue) {
        guard hasRoom else {
            omitted += 1
            return
        }
        recorded.append(issue)
    }

    mutating func record(field: String, rule: String, offending: JSONValue) {
        guard hasRoom else {
            omitted += 1
            return
        }
        recorded.append(ValidationIssue(field: field, rule: rule, offending: offending))
    }

    mutating func warn(_ warning: String) {
        warnings.append(warning)
    }
}
