import KontextNet

/// One answer of the simulator's routes: the HTTP response and how KontextNet's server puts it on
/// the wire (whole, or damaged the way a flaky network or CDN damages it; see `HTTPWireDelivery`).
struct SimulatorReply: Sendable {
    var response: HTTPResponse
    var delivery: HTTPWireDelivery

    init(_ response: HTTPResponse, delivery: HTTPWireDelivery = .whole) {
        self.response = response
        self.delivery = delivery
    }
}
