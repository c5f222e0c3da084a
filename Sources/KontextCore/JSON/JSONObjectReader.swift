/// Reads the members of one JSON object by name, checking each against its type and range and
/// logging every violation under the member's full path (`acceleratorOptions.cacheEndStep`,
/// `lora[1].weight`). A member that is absent reads as nil without an issue unless it is required;
/// a member that breaks a rule also reads as nil, so later cross-field checks only see valid values.
struct JSONObjectReader {
    let members: [String: JSONValue]
    /// Path of this object; empty for the task object itself.
    let path: String

    init(members: [String: JSONValue], path: String) {
        self.members = members
        self.path = path
    }

    /// Full path of one of this object's members.
    func fieldPath(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// True when the member is present (even with a wrong type).
    func contains(_ key: String) -> Bool {
        members[key] != nil
    }

    /// The raw member, when present.
    subscript(key: String) -> JSONValue? {
        members[key]
    }

    // MARK: Scalars

    func string(
        _ key: String, required: Bool = false, nonEmpty: Bool = false, length: ClosedRange<Int>? = nil,
        into log: inout ValidationLog
    ) -> String? {
        guard let value = present(key, required: required, into: &log) else { return nil }
        guard case .string(let text) = value else {
            log.record(field: fieldPath(key), rule: "must be a string", offending: value)
            return nil
        }
        if nonEmpty, text.isEmpty {
            log.record(field: fieldPath(key), rule: "must not be empty", offending: value)
            return nil
        }
        if let length, !length.contains(text.count) {
            log.record(
                field: fieldPath(key),
                rule: "must be \(length.lowerBound) to \(length.upperBound) characters long (is \(text.count))",
                offending: value)
            return nil
        }
        return text
    }

    /// A string member matched case-insensitively against `allowed`; returns the canonical spelling.
    func enumeration(
        _ key: String, allowed: [String], required: Bool = false, into log: inout ValidationLog
    ) -> String? {
        guard let text = string(key, required: required, into: &log) else { return nil }
        if let match = allowed.first(where: { $0.lowercased() == text.lowercased() }) { return match }
        log.record(
            field: fieldPath(key), rule: "must be one of \(allowed.joined(separator: ", "))",
            offending: .string(text))
        return nil
    }

    /// An integer member within `range`. Both bounds are required: every integer a client sends
    /// ends up in arithmetic somewhere (sizes, step windows, durations), so none is unbounded.
    /// Anything outside the range — including values beyond 64 bits, `1e308`, or fractions — is
    /// an issue naming the range; nothing here can trap.
    func integer(
        _ key: String, range: ClosedRange<Int>, required: Bool = false, into log: inout ValidationLog
    ) -> Int? {
        guard let value = present(key, required: required, into: &log) else { return nil }
        let rangeRule = "must be between \(range.lowerBound) and \(range.upperBound)"
        let number: Int?
        switch value {
        case .integer(let integer):
            number = Int(exactly: integer)
        case .unsignedInteger(let integer):
            number = Int(exactly: integer)
        case .double(let double) where double.isFinite && double.rounded() == double:
            // `Int(exactly:)` is nil (not a trap) for 1e308 and anything else beyond 64 bits.
            number = Int(exactly: double)
        default:
            log.record(field: fieldPath(key), rule: "must be an integer", offending: value)
            return nil
        }
        guard let number, range.contains(number) else {
            log.record(field: fieldPath(key), rule: rangeRule, offending: value)
            return nil
        }
        return number
    }

    /// A finite number member within `range` (both bounds required, as for `integer`).
    func number(_ key: String, range: ClosedRange<Double>, into log: inout ValidationLog) -> Double? {
        number(key, minimum: range.lowerBound, maximum: range.upperBound, into: &log)
    }

    private func number(
        _ key: String, minimum: Double? = nil, maximum: Double? = nil, into log: inout ValidationLog
    ) -> Double? {
        guard let value = present(key, required: false, into: &log) else { return nil }
        guard let number = value.doubleValue else {
            log.record(field: fieldPath(key), rule: "must be a number", offending: value)
            return nil
        }
        guard number.isFinite else {
            log.record(field: fieldPath(key), rule: "must be a finite number", offending: value)
            return nil
        }
        let rangeRule = Self.rangeRule(minimum: minimum.map(Self.format), maximum: maximum.map(Self.format))
        if let minimum, number < minimum, let rangeRule {
            log.record(field: fieldPath(key), rule: rangeRule, offending: value)
            return nil
        }
        if let maximum, number > maximum, let rangeRule {
            log.record(field: fieldPath(key), rule: rangeRule, offending: value)
            return nil
        }
        return number
    }

    /// A strict boolean: `0`, `1`, `"true"` are rejected.
    func bool(_ key: String, into log: inout ValidationLog) -> Bool? {
        guard let value = present(key, required: false, into: &log) else { return nil }
        guard case .bool(let flag) = value else {
            log.record(field: fieldPath(key), rule: "must be a boolean", offending: value)
            return nil
        }
        return flag
    }

    // MARK: Containers

    /// A nested object, as a reader whose paths continue this one's.
    func object(_ key: String, into log: inout ValidationLog) -> JSONObjectReader? {
        guard let value = present(key, required: false, into: &log) else { return nil }
        guard case .object(let nested) = value else {
            log.record(field: fieldPath(key), rule: "must be an object", offending: value)
            return nil
        }
        return JSONObjectReader(members: nested, path: fieldPath(key))
    }

    /// An array with a bounded number of items.
    func array(
        _ key: String, minimumCount: Int = 0, maximumCount: Int? = nil, required: Bool = false,
        countRule: String? = nil, into log: inout ValidationLog
    ) -> [JSONValue]? {
        guard let value = present(key, required: required, into: &log) else { return nil }
        guard case .array(let elements) = value else {
            log.record(field: fieldPath(key), rule: "must be an array", offending: value)
            return nil
        }
        let tooFew = elements.count < minimumCount
        let tooMany = maximumCount.map { elements.count > $0 } ?? false
        if tooFew || tooMany {
            let bounds = maximumCount.map { "\(minimumCount) to \($0) items" } ?? "at least \(minimumCount) item\(minimumCount == 1 ? "" : "s")"
            log.record(
                field: fieldPath(key), rule: countRule ?? "must have \(bounds) (has \(elements.count))",
                offending: value)
            return nil
        }
        return elements
    }

    /// Logs every member not in `known`, naming the nearest known member when it looks like a typo.
    func rejectUnknownMembers(known: [String], into log: inout ValidationLog) {
        let knownSet = Set(known)
        for key in members.keys.sorted() where !knownSet.contains(key) {
            // Past the log's capacity the issue is only counted: no suggestion is computed for it.
            let nearest = log.hasRoom ? EditDistance.nearest(to: key, in: known) : nil
            log.record(.unknownField(fieldPath(key), value: members[key]!, nearest: nearest))
        }
    }

    // MARK: Support

    private func present(_ key: String, required: Bool, into log: inout ValidationLog) -> JSONValue? {
        guard let value = members[key] else {
            if required { log.record(.missing(field: fieldPath(key))) }
            return nil
        }
        return value
    }

    /// `must be between a and b`, `must be >= a`, `must be <= b`, or nil without bounds.
    static func rangeRule(minimum: String?, maximum: String?) -> String? {
        switch (minimum, maximum) {
        case let (minimum?, maximum?): return "must be between \(minimum) and \(maximum)"
        case let (minimum?, nil): return "must be >= \(minimum)"
        case let (nil, maximum?): return "must be <= \(maximum)"
        case (nil, nil): return nil
        }
    }

    /// A bound as people write it: `0`, `0.5`, `-4`.
    static func format(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 { return String(Int(number)) }
        return String(number)
    }
}
