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
