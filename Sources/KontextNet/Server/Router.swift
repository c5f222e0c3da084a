/// An `HTTPResponder` that dispatches on method and path pattern ("/v1/tasks/:uuid").
///
/// No matching path answers 404 `not_found`; a matching path without the method answers 405
/// `method_not_allowed` with an `Allow` header. When several patterns match, the one with the most
/// literal segments wins, then the one added first. HEAD falls back to a GET route (body dropped by the server).
package struct Router: HTTPResponder {
    /// Handles one routed request; receives the values captured by the pattern's `:name` segments.
    package typealias Handler = @Sendable (HTTPRequest, RouteParameters) async -> HTTPResponse

    private struct Route: Sendable {
        let method: String
        let pattern: RoutePattern
        let handler: Handler
    }

    private var routes: [Route] = []

    /// Creates a router with no routes (every request answers 404).
    package init() {}

    /// Adds a route; `method` is compared case-insensitively, `pattern` is like "/webhooks/runware/:taskUUID".
    package mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method.uppercased(), pattern: RoutePattern(pattern), handler: handler))
    }

    /// True when a route answers `method` on the path of `uri` (HEAD counting as GET): what the
    /// request would reach rather than a 404 or 405.
    package func routes(method: String, uri: String) -> Bool {
        let rawPath = PercentDecoding.rawPath(of: uri)
        let wanted = method.uppercased()
        return routes.contains { route in
            (route.method == wanted || (wanted == "HEAD" && route.method == "GET")) && route.pattern.match(rawPath: rawPath) != nil
        }
    }

    /// Runs the best matching route's handler, or answers 404/405 as JSON.
    package func respond(to request: HTTPRequest) async -> HTTPResponse {
        let rawPath = PercentDecoding.rawPath(of: request.uri)
        let matches = routes.compactMap { route in route.pattern.match(rawPath: rawPath).map { (route, $0) } }
        guard !matches.isEmpty else {
            return .error(status: 404, code: "not_found", message: "no route for \(request.method) \(request.path)")
        }
        let method = request.method.uppercased()
        let candidates = matches.filter { $0.0.method == method }
        let usable = candidates.isEmpty && method == "HEAD" ? matches.filter { $0.0.method == "GET" } : candidates
        // max(by:) keeps the first of equals, which is the route added first.
        guard let (route, parameters) = usable.max(by: { $0.0.pattern.literalCount < $1.0.pattern.literalCount })
        else {
            var allowed = Set(matches.map(\.0.method))
            if allowed.contains("GET") { allowed.insert("HEAD") }
            let allow = allowed.sorted().joined(separator: ", ")
            return .error(
                status: 405, code: "method_not_allowed",
                message: "\(request.method) is not allowed on \(request.path); allowed: \(allow)",
                extraHeaders: [HTTPHeader(name: "Allow", value: allow)])
        }
        return await route.handler(request, parameters)
    }
}

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

/// The values captured by a route pattern's `:name` segments, percent-decoded.
package struct RouteParameters: Sendable {
    private let values: [String: String]

    /// Creates parameters from captured values; the router builds these, tests may too.
    package init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// The value captured for `:name`, or nil when the pattern has no such segment.
    package subscript(_ name: String) -> String? {
        values[name]
    }
}
