import Foundation
import KontextCore
import KontextNet
import Logging
import RunwareSimulator

/// A running simulator on 127.0.0.1:0 plus a libcurl client to talk to it.
struct SimulatorSession {
    static let apiKey = "http-test-key"

    let simulator: RunwareSimulator
    let client: CurlHTTPClient

    static func start(
        delay: Double = 0.05, variant: WebhookBodyVariant = .bare,
        retry: WebhookRetryPolicy = WebhookRetryPolicy(initialDelay: 0.02, maximumDelay: 0.1)
    ) async throws -> SimulatorSession {
        let configuration = SimulatorConfiguration(
            apiKey: apiKey, generationDelay: delay, webhookBodyVariant: variant, webhookRetry: retry)
        let simulator = RunwareSimulator(configuration: configuration, logger: Logger(label: "sim-test"))
        _ = try await simulator.start()
        return SimulatorSession(simulator: simulator, client: CurlHTTPClient(logger: Logger(label: "sim-test-client")))
    }

    func stop() async {
        await simulator.stop()
        client.shutdown()
    }

    /// POSTs tasks to `/v1`; `bearer` nil sends no Authorization header.
    func post(_ tasks: [JSONValue], bearer: String? = SimulatorSession.apiKey) async throws -> (status: Int, body: JSONValue) {
        try await post(raw: JSONCoding.encode(.array(tasks)), bearer: bearer)
    }

    func post(raw body: [UInt8], bearer: String? = SimulatorSession.apiKey) async throws -> (status: Int, body: JSONValue) {
        var request = HTTPClientRequest(method: "POST", url: simulator.endpointURL, body: body)
        request.addHeader("Content-Type", "application/json")
        if let bearer { request.addHeader("Authorization", "Bearer \(bearer)") }
        let response = try await client.execute(request)
        return (response.status, try JSONCoding.parse(response.body))
    }

    func get(_ url: String) async throws -> HTTPClientResponse {
        try await client.execute(HTTPClientRequest(url: url))
    }
}
