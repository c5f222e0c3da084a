/// The values captured by a route pattern's `:name` segments, percent-decoded.
public struct RouteParameters: Sendable {
    private let values: [String: String]

    /// Creates parameters from captured values; the router builds these, tests may too.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// The value captured for `:name`, or nil when the pattern has no such segment.
    public subscript(_ name: String) -> String? {
        values[name]
    }
}
