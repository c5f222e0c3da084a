/// A path pattern such as "/v1/tasks/:uuid": literal segments match exactly, `:name` segments match
/// any one non-empty segment and capture it.
struct RoutePattern: Sendable {
    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private let segments: [Segment]

    /// How many segments are literal; with several matching routes the most literal one wins.
    var literalCount: Int {
        segments.count(where: { if case .literal = $0 { true } else { false } })
    }

    init(_ pattern: String) {
        segments = Self.split(Substring(pattern)).map { segment in
            segment.hasPrefix(":") ? .parameter(String(segment.dropFirst())) : .literal(String(segment))
        }
    }

    /// The captured parameters when `rawPath` (undecoded) matches, else nil. Segments are decoded
    /// after splitting, so an encoded "/" inside a parameter stays part of it.
    func match(rawPath: Substring) -> RouteParameters? {
        let parts = Self.split(rawPath)
        guard parts.count == segments.count else { return nil }
        var captured: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            let decoded = PercentDecoding.decode(part, plusIsSpace: false)
            switch segment {
            case .literal(let literal):
                guard literal == decoded else { return nil }
            case .parameter(let name):
                guard !decoded.isEmpty else { return nil }
                captured[name] = decoded
            }
        }
        return RouteParameters(captured)
    }

    /// Path segments without the leading slash; one trailing slash is ignored ("/a/" is "/a").
    private static func split(_ path: Substring) -> [Substring] {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.first == "" { parts.removeFirst() }
        if parts.last == "" { parts.removeLast() }
        return parts
    }
}
