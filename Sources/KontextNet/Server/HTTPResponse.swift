/// A complete HTTP response produced by an `HTTPResponder`.
///
/// The server sets Content-Length and Connection itself; values for those names given here are ignored,
/// except that `Connection: close` closes the connection after the response.
package struct HTTPResponse: Sendable {
    /// The status code.
    package var status: Int
    /// Header fields to send, in order.
    package var headers: [HTTPHeader]
    /// The whole body.
    package var body: [UInt8]

    /// Creates a response.
    package init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is already-encoded JSON, with `Content-Type: application/json`.
    package static func json(status: Int, body: [UInt8], extraHeaders: [HTTPHeader] = []) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: [HTTPHeader(name: "Content-Type", value: "application/json")] + extraHeaders,
            body: body)
    }

    /// The error body every kontextd endpoint uses: `{"error":{"code":code,"message":message}}`,
    /// both strings JSON-escaped.
    package static func error(status: Int, code: String, message: String, extraHeaders: [HTTPHeader] = []) -> HTTPResponse {
        let text = "{\"error\":{\"code\":\(JSONStringLiteral.encode(code)),\"message\":\(JSONStringLiteral.encode(message))}}"
        return json(status: status, body: Array(text.utf8), extraHeaders: extraHeaders)
    }
}
