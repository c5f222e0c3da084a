import KontextCore
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

/// Serves `GET /image/<index>.jpg` and `/image/<index>.png`: variant `index` of the bench's
/// ~1 MB base images, made per request (only the two bases are held in memory).
struct ImageVariantResponder: HTTPResponder {
    let images: IngestionImages

    /// The URL path of variant `index` in `format`.
    static func path(index: Int, format: OutputFormat) -> String {
        "/image/\(index).\(format.fileExtension)"
    }

    func respond(to request: HTTPRequest) async -> HTTPResponse {
        let name = request.path.split(separator: "/").last ?? ""
        let parts = name.split(separator: ".")
        guard request.path.hasPrefix("/image/"), parts.count == 2, let index = Int(parts[0]) else {
            return HTTPResponse(status: 404)
        }
        let format: OutputFormat = parts[1] == "png" ? .png : .jpg
        return HTTPResponse(
            status: 200, headers: [HTTPHeader(name: "Content-Type", value: format.mimeType)],
            body: images.variant(format, index: index))
    }
}
