/// One HTTP header field as a name/value pair, used by both the client and the server.
///
/// Order and repetition are preserved by keeping headers in arrays of this type; name comparison
/// is the caller's job (see `header(_:)` on requests and responses, which is case-insensitive).
package struct HTTPHeader: Sendable, Hashable {
    /// The field name as sent or received (the client lowercases received names).
    package var name: String
    /// The field value, without surrounding whitespace.
    package var value: String

    /// Creates a header field.
    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Creates a header field from an unlabeled name and value: `HTTPHeader("Accept", "application/json")`.
    package init(_ name: String, _ value: String) {
        self.init(name: name, value: value)
    }
}

extension Array where Element == HTTPHeader {
    /// The value of the last field named `name` (ASCII case-insensitive), or nil when absent.
    ///
    /// The last one wins because a repeated field that is not a list is usually an override.
    package func value(named name: String) -> String? {
        let wanted = name.lowercased()
        return last(where: { $0.name.lowercased() == wanted })?.value
    }
}
