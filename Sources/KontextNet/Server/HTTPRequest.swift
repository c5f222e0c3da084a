/// A complete HTTP request as handed to an `HTTPResponder`: head and whole body, already size-checked.
package struct HTTPRequest: Sendable {
    /// The request method, e.g. "GET", "POST".
    package var method: String
    /// The raw request target, e.g. "/webhooks/runware/abc?token=x".
    package var uri: String
    /// The percent-decoded path without query (`+` stays a plus).
    package var path: String
    /// The percent-decoded query parameters (`+` is a space); for a repeated name the last value wins.
    package var query: [String: String]
    /// The header fields in arrival order, names as sent.
    package var headers: [HTTPHeader]
    /// The whole body (at most the server's `maxBodyBytes`).
    package var body: [UInt8]
    /// The peer's IP address (no port), when known.
    package var remoteAddress: String?
    /// The port the request arrived on (the listener's bound port), when known.
    package var localPort: Int?

    /// Creates a request, deriving `path` and `query` from `uri`; used by the server and by tests.
    package init(
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
    package func header(_ name: String) -> String? {
        headers.value(named: name)
    }
}
