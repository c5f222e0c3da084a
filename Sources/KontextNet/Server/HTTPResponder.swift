/// Turns a complete request into a response; what an `HTTPServer` calls for every request.
///
/// Called concurrently for requests on different connections; requests on one connection are
/// answered in order, one at a time.
public protocol HTTPResponder: Sendable {
    /// The response to `request`. Never throws: failures are responses (e.g. 500 JSON errors).
    func respond(to request: HTTPRequest) async -> HTTPResponse
}
