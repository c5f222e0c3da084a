/// A complete HTTP request as handed to an `HTTPResponder`: head and whole body, already size-checked.
public struct HTTPRequest: Sendable {
    /// The request method, e.g. "GET", "POST".
    public var method: String
    /// The raw request target, e.g. "/webhooks/runware/abc?token=x".
    public var uri: String
    /// The percent-decoded path without query (`+` stays a plus).
    public var path: String
    /// The percent-decoded query parameters (`+` is a space); for a repeated name the last value wins.
    public var query: [String: String]
    /// The header fields in arrival order, names as sent.
    public var headers: [HTTPHeader]
    /// The whole body (at most the server's `maxBodyBytes`).
    public var body: [UInt8]
    /// The peer's IP address (no port), when known.
    public var remoteAddress: String?
    /// The port the request arrived on (the listener's bound port), when known.
    public var localPort: Int?

    /// Creates a request, deriving `path` and `query` from `uri`; used by the server and by tests.
    public init(
        method: String, uri: String, headers: [HTTPHeader] = [], body: [UInt8] = [], remoteAddress: String? = nil,
        localPort: Int? = nil
    ) {
        self.method = method
        self.uri = uri
        self.path = PercentDecoding.decode(PercentDecoding.rawPath(of: uri), plusIsSpace: false)
        self.query = PercentDecoding.query(of: uri)
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.localPort = localPort
    }

    /// The value of the last header named `name`, compared case-insensitively; nil when absent.
    public func header(_ name: String) -> String? {
        headers.value(named: name)
    }
}
