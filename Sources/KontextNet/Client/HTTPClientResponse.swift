/// A complete HTTP response received by `CurlHTTPClient`: any status (4xx/5xx are not errors).
public struct HTTPClientResponse: Sendable {
    /// The status code of the last response received (the final one when redirects are followed).
    public var status: Int
    /// The header fields of the last response, in order, with lowercased names.
    public var headers: [HTTPHeader]
    /// The whole response body (never larger than the request's `maxResponseBytes`).
    public var body: [UInt8]

    /// Creates a response; used by the client and by test doubles.
    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the last header named `name`, compared case-insensitively; nil when absent.
    public func header(_ name: String) -> String? {
        headers.value(named: name)
    }
}
