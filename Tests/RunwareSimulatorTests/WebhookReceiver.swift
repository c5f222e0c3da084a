import KontextCore
import KontextNet
import Logging
import Synchronization

/// A real HTTP endpoint standing in for the daemon's webhook route: records every request
/// body and answers from a script of statuses (then 200).
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let uri: String
        let contentType: String?
        let body: [UInt8]
    }

    private final class Recorder: HTTPResponder {
        let state: Mutex<(deliveries: [Delivery], script: [Int])>

        init(script: [Int]) { state = Mutex(([], script)) }

        func respond(to request: HTTPRequest) async -> HTTPResponse {
            let status = state.withLock { state -> Int in
                state.deliveries.append(
                    Delivery(uri: request.uri, contentType: request.header("Content-Type"), body: request.body))
                return state.script.isEmpty ? 200 : state.script.removeFirst()
            }
            return .json(status: status, body: Array("{}".utf8))
        }
    }

    private let recorder: Recorder
    private let server: HTTPServer

    /// `script` gives the statuses of the first answers, e.g. `[500, 500]`.
    init(script: [Int] = []) {
        recorder = Recorder(script: script)
        server = HTTPServer(
            configuration: HTTPServerConfiguration(name: "webhook-receiver"), responder: recorder,
            logger: Logger(label: "webhook-receiver"))
    }

    /// Starts listening and returns the webhook URL to give tasks.
    func start() async throws -> String {
        let port = try await server.start()
        return "http://127.0.0.1:\(port)/webhooks/runware?token=secret"
    }

    func stop() async { await server.stop() }

    var deliveries: [Delivery] { recorder.state.withLock { $0.deliveries } }

    /// Bodies of the deliveries so far, parsed.
    func bodies() throws -> [JSONValue] { try deliveries.map { try JSONCoding.parse($0.body) } }
}
