import KontextNet

/// Answers every request at once with a fixed status and an empty body, touching nothing.
///
/// With status 200 it is the no-op ceiling each daemon figure is set beside: the same `HTTPServer`
/// stack and the same wrk load, without the daemon's work. With 404 it is an image host whose
/// downloads fail fast and permanently.
struct ImmediateResponder: HTTPResponder {
    /// The status every response carries.
    let status: Int

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        HTTPResponse(status: status)
    }
}
