/// What validating one task object found: the violations (which reject it) and the warnings
/// (which do not), in the order they were found.
struct ValidationLog {
    var issues: [ValidationIssue] = []
    var warnings: [String] = []

    mutating func record(_ issue: ValidationIssue) {
        issues.append(issue)
    }

    mutating func record(field: String, rule: String, offending: JSONValue) {
        issues.append(ValidationIssue(field: field, rule: rule, offending: offending))
    }

    mutating func warn(_ warning: String) {
        warnings.append(warning)
    }
}
