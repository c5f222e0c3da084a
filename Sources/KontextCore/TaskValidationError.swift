/// Every rule a task object breaks, reported together so a client can fix them in one round.
public struct TaskValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The violations in a stable order (schema order, then unknown fields alphabetically); never empty.
    public let issues: [ValidationIssue]

    /// Wraps the violations found; callers only throw this with at least one issue.
    public init(issues: [ValidationIssue]) {
        self.issues = issues
    }

    /// One violation per line.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }

    /// The issue reported for a field path, if any (first one when several).
    public func issue(for field: String) -> ValidationIssue? {
        issues.first { $0.field == field }
    }
}
