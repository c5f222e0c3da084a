import KontextNet

/// One answer of the simulator's routes: the HTTP response and how it is delivered.
struct SimulatorReply: Sendable {
    var response: HTTPResponse
    var delivery: ReplyDelivery

    init(_ response: HTTPResponse, delivery: ReplyDelivery = .whole) {
        self.response = response
        self.delivery = delivery
    }
}

/// How the simulator's server puts one response on the wire: whole, or damaged the way a
/// flaky network or CDN damages it. Only `SimulatorServer` can express the damaged forms,
/// which is why the simulator does not use the project's general HTTP server.
enum ReplyDelivery: Sendable, Equatable {
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

/// What `SimulatorServer` asks for each complete request: the reply and how to deliver it.
protocol SimulatorRouting: Sendable {
    /// Answers one request; never throws (failures are HTTP answers).
    func reply(to request: HTTPRequest) async -> SimulatorReply
}
