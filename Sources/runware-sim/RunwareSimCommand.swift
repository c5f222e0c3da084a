import ArgumentParser
import Foundation
import Logging
import RunwareSimulator

/// `runware-sim`: runs the Runware simulator as a process until SIGINT or SIGTERM.
///
/// Once listening it writes `runware-sim listening on http://HOST:PORT` as one line on stderr,
/// so a parent process can read the bound port (use `--port 0` for a free one).
@main
struct RunwareSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runware-sim",
        abstract: "A local Runware REST API simulator for FLUX.1 Kontext [dev] imageInference tasks.",
        discussion: """
            Prompt markers: [sim:reject] refuses the task, [sim:fail] fails its generation, \
            [sim:corrupt] serves damaged image bytes. State for tests: GET /sim/state.
            """)

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free one.")
    var port = 0

    @Option(name: .customLong("api-key"), help: "The API key clients must present.")
    var apiKey = "sim-api-key"

    @Option(help: "Seconds from accepting a task to its first result.")
    var delay = 0.2

    @Option(name: .customLong("webhook-variant"), help: "Webhook body shape: bare or wrapped ({\"data\":[result]}).")
    var webhookVariant: WebhookVariantArgument = .bare

    @Option(name: .customLong("public-base-url"), help: "Base of image URLs (default: the bound address).")
    var publicBaseURL: String?

    @Option(name: .customLong("max-webhook-attempts"), help: "Webhook attempts per result, the first included.")
    var maxWebhookAttempts = 10

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard delay >= 0 else { throw ValidationError("--delay must be ≥ 0, got \(delay)") }
        guard maxWebhookAttempts >= 1 else { throw ValidationError("--max-webhook-attempts must be ≥ 1") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "runware-sim")
        var configuration = SimulatorConfiguration(
            host: host, port: port, apiKey: apiKey, generationDelay: delay,
            webhookBodyVariant: webhookVariant.variant, publicBaseURL: publicBaseURL)
        configuration.maxWebhookAttempts = maxWebhookAttempts
        let simulator = RunwareSimulator(configuration: configuration, logger: logger)
        let termination = TerminationSignal()
        _ = try await simulator.start()
        FileHandle.standardError.write(Data("runware-sim listening on \(simulator.baseURL)\n".utf8))
        let signal = await termination.wait()
        logger.info("stopping", metadata: ["signal": "\(signal)"])
        await simulator.stop()
    }
}

/// The `--webhook-variant` values.
enum WebhookVariantArgument: String, ExpressibleByArgument, CaseIterable {
    case bare
    case wrapped

    var variant: WebhookBodyVariant {
        switch self {
        case .bare: return .bare
        case .wrapped: return .wrapped
        }
    }
}
