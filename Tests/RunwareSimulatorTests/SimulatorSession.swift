import KontextTesting
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
        retry: WebhookRetryPolicy = WebhookRetryPolicy(initialDelay: 0.02, maximumDelay: 0.1),
        faults: FaultPlan = .none
    ) async throws -> SimulatorSession {
        let configuration = SimulatorConfiguration(
            apiKey: apiKey, generationDelay: delay, webhookBodyVariant: variant, webhookRetry: retry, faults: faults)
        let simulator = RunwareSimulator(configuration: configuration, logger: Logger(label: "sim-test"))
        _ = try await simulator.start()
        return SimulatorSession(simulator: simulator, client: CurlHTTPClient(logger: Logger(label: "sim-test-client")))
    }

    func stop() async {
        await simulator.stop()
        await client.shutdown()
    }

    /// POSTs tasks to `/v1`; `bearer` nil sends no Authorization header.
    func post(_ tasks: [JSONValue], bearer: String? = SimulatorSession.apiKey) async throws -> (status: Int, body: JSONValue) {
        try await post(raw: JSONCoding.encode(.array(tasks)), bearer: bearer)
    }

    func post(raw body: [UInt8], bearer: String? = SimulatorSession.apiKey) async throws -> (status: Int, body: JSONValue) {
        let response = try await exchange(raw: body, bearer: bearer)
        return (response.status, try JSONCoding.parse(response.body))
    }

    /// POSTs a raw body to `/v1` and returns the whole response, headers included; throws the
    /// client's error (timeout, closed connection) as is.
    func exchange(
        raw body: [UInt8], bearer: String? = SimulatorSession.apiKey, timeout: Double = 30
    ) async throws(HTTPClientError) -> HTTPClientResponse {
        var request = HTTPClientRequest(method: "POST", url: simulator.endpointURL, body: body, timeout: timeout)
        request.addHeader("Content-Type", "application/json")
        if let bearer { request.addHeader("Authorization", "Bearer \(bearer)") }
        return try await client.execute(request)
    }

    func get(_ url: String, timeout: Double = 30) async throws(HTTPClientError) -> HTTPClientResponse {
        try await client.execute(HTTPClientRequest(url: url, timeout: timeout))
    }

    /// The cumulative `getResponse` state of a task.
    func poll(_ taskUUID: String) async throws -> JSONValue {
        try await post([TaskFixture.getResponse(taskUUID)]).body
    }

    /// Polls until every one of `count` results has `status: success`; returns them.
    func awaitResults(_ taskUUID: String, count: Int = 1) async throws -> [JSONValue] {
        var results: [JSONValue] = []
        _ = try await eventually {
            results = try await poll(taskUUID).dataItems.filter { $0["status"] == .string("success") }
            return results.count == count
        }
        return results
    }
}
