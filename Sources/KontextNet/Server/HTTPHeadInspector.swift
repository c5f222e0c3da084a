/// Decides on a request from its head alone, before a single body byte is read or buffered.
///
/// An `HTTPServer` given an inspector calls it on the connection's event loop as soon as a head
/// arrives: a request that is refused (wrong credentials, wrong host, a method or content type
/// the listener never accepts) costs no buffering, `Expect: 100-continue` is answered only for an
/// admitted request, and the body cap can be chosen per request. Properties of a whole listener
/// (authentication, browser safety) belong here rather than in each route, so routes added later
/// inherit them.
package protocol HTTPHeadInspector: Sendable {
    /// The verdict on `request`, whose `body` is still empty. Runs on an event loop: it must not
    /// block and should be cheap.
    func inspect(_ request: HTTPRequest) -> HTTPHeadVerdict
}

/// What an `HTTPHeadInspector` decided about a request head.
package enum HTTPHeadVerdict: Sendable {
    /// Read the body, up to `maxBodyBytes` (nil: the server's own cap; a larger value is lowered
    /// to the server's cap), then call the responder.
    case admit(maxBodyBytes: Int?)
    /// Answer `response` at once and close the connection without reading the body.
    case refuse(HTTPResponse)
}
