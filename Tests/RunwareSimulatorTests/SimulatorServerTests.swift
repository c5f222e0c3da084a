import Foundation
import KontextCore
import KontextNet
import Logging
import Testing

@testable import RunwareSimulator

/// The simulator's own HTTP server on what a well-behaved server must do: large bodies (curl
/// asks with `Expect: 100-continue`), the body cap, keep-alive, unknown routes.
@Suite("Simulator server")
struct SimulatorServerTests {
    @Test("a 2 MiB body is read and answered; a body over the cap gets 413; unknown paths 404")
    func bodies() async throws {
        let simulator = RunwareSimulator(
            configuration: SimulatorConfiguration(apiKey: "k", maxBodyBytes: 4 << 20), logger: Logger(label: "test"))
        _ = try await simulator.start()
        let client = CurlHTTPClient(logger: Logger(label: "test-client"))
        func post(_ body: [UInt8]) async throws -> HTTPClientResponse {
            var request = HTTPClientRequest(method: "POST", url: simulator.endpointURL, body: body, timeout: 20)
            request.addHeader("Content-Type", "application/json")
            request.addHeader("Authorization", "Bearer k")
            return try await client.execute(request)
        }
        let prompt = String(repeating: "a", count: 2 << 20)
        let large = try await post(JSONCoding.encode(.array([TaskFixture.task(prompt: prompt)])))
        #expect(large.status == 400)
        #expect(try JSONCoding.parse(large.body).errorItems.first?["parameter"] == .string("positivePrompt"))

        let tooLarge = try await post(Array(repeating: UInt8(ascii: " "), count: 5 << 20))
        #expect(tooLarge.status == 413)

        #expect(try await client.execute(HTTPClientRequest(url: simulator.baseURL + "/nowhere")).status == 404)
        let state = try await client.execute(HTTPClientRequest(url: simulator.baseURL + "/sim/state"))
        #expect(state.status == 200)
        #expect(try JSONCoding.parse(state.body)["faultCounts"]?.objectValue?.count == FaultKind.allCases.count)
        await client.shutdown()
        await simulator.stop()
    }
}
