import KontextNet
import Logging

/// An `HTTPServer` of KontextNet on an ephemeral loopback port, with its base URL.
struct LoopbackServer: Sendable {
    /// The running server.
    let server: HTTPServer
    /// `http://127.0.0.1:<port>`.
    let baseURL: String

    /// Starts `responder` on 127.0.0.1 at a free port.
    static func start(_ responder: any HTTPResponder, name: String, logger: Logger) async throws -> LoopbackServer {
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.backlog = 1024
        configuration.name = name
        let server = HTTPServer(configuration: configuration, responder: responder, logger: logger)
        let port = try await server.start()
        return LoopbackServer(server: server, baseURL: "http://127.0.0.1:\(port)")
    }

    /// Stops accepting and closes the connections once in-flight responses are written.
    func stop() async {
        await server.stop()
    }
}
