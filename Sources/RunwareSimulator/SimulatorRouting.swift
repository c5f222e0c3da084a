import KontextNet

/// What `SimulatorServer` asks for each complete request: the reply and how to deliver it.
protocol SimulatorRouting: Sendable {
    /// Answers one request; never throws (failures are HTTP answers).
    func reply(to request: HTTPRequest) async -> SimulatorReply
}
