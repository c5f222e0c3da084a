import Foundation
import Logging
import RunwareSimulator

/// The Runware simulator as the tests start it: on a free loopback port (port 0), with a fresh
/// API key so no two tests share credentials, logging only what `logLevel` lets through.
package enum SimulatorFixture {
    /// Starts a simulator configured by `configure` (after the fresh key is set) and returns it
    /// running; the caller stops it.
    package static func start(
        logLevel: Logger.Level = .critical, _ configure: (inout SimulatorConfiguration) -> Void = { _ in }
    ) async throws -> RunwareSimulator {
        var logger = Logger(label: "kontextd-test-simulator")
        logger.logLevel = logLevel
        var configuration = SimulatorConfiguration()
        configuration.apiKey = "sim-key-" + UUID().uuidString.lowercased().prefix(8)
        configure(&configuration)
        let simulator = RunwareSimulator(configuration: configuration, logger: logger)
        _ = try await simulator.start()
        return simulator
    }
}
