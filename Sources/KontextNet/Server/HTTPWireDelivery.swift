/// How an `HTTPServer` puts one response on the wire: whole, or damaged the way a flaky network
/// or CDN damages it. Only the Runware simulator asks for the damaged forms, to test clients
/// against them; the daemon's listeners always deliver whole responses.
package enum HTTPWireDelivery: Sendable, Equatable {
    /// The whole response, framed by its Content-Length.
    case whole
    /// Head with the full Content-Length, the first `sentBytes` of the body, then the
    /// connection closes: the client sees a transfer that ended early.
    case cutShort(sentBytes: Int)
    /// Head with the full Content-Length, the first `sentBytes` of the body, then silence for
    /// `seconds`, then the connection closes.
    case stall(sentBytes: Int, seconds: Double)
    /// The whole response, but only after `seconds` (a hung request from the client's view).
    case held(seconds: Double)
    /// No response at all: the connection closes.
    case closeWithoutResponse
}

/// A responder that also says how each response is delivered: the hook through which the
/// simulator's wire faults reach the one `HTTPServer`.
package protocol HTTPFaultingResponder: Sendable {
    /// The response to `request` and how to deliver it; never throws (failures are responses).
    func reply(to request: HTTPRequest) async -> (response: HTTPResponse, delivery: HTTPWireDelivery)
}
