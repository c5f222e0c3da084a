/// Assembles a JSON object from optional typed members, leaving out the ones that are nil,
/// so a payload carries exactly the fields that were set.
struct JSONObjectBuilder {
    private(set) var members: [String: JSONValue] = [:]

    mutating func set(_ key: String, _ value: String?) {
        if let value { members[key] = .string(value) }
    }

    mutating func set(_ key: String, _ value: Int?) {
        if let value { members[key] = .integer(Int64(value)) }
    }

    mutating func set(_ key: String, _ value: UInt64?) {
        guard let value else { return }
        // Keep the representation the parser produces, so built and parsed values compare equal.
        members[key] = value <= UInt64(Int64.max) ? .integer(Int64(value)) : .unsignedInteger(value)
    }

    mutating func set(_ key: String, _ value: Double?) {
        if let value { members[key] = .double(value) }
    }

    mutating func set(_ key: String, _ value: Bool?) {
        if let value { members[key] = .bool(value) }
    }

    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { members[key] = value }
    }

    var value: JSONValue { .object(members) }
}
