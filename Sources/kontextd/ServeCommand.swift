import ArgumentParser
import Foundation
import KontextDaemon
import Logging
import ServiceLifecycle

/// `kontextd serve`: runs the daemon until SIGTERM/SIGINT, then shuts down gracefully; SIGHUP
/// reloads the configuration file's live keys.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the daemon (listeners, submission, ingestion) until SIGTERM; SIGHUP reloads.")

    @Option(help: "YAML configuration file; every key can be overridden by KONTEXTD_* environment variables.")
    var config: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default: the file's log.level).")
    var logLevel: Logger.Level?

    func run() async throws {
        StandardErrorLogging.bootstrap(level: logLevel ?? .info)
        let logger = Logger(label: "kontextd")
        // A file-size limit must surface as a write error the daemon reports (503, health), not kill it.
        signal(SIGXFSZ, SIG_IGN)
        // Everything kontextd creates (database, WAL, images, temporary files) is its owner's alone.
        umask(0o077)
        // Room for webhook.maxConnections connections besides the store, images and curl.
        FileDescriptorLimit.raiseSoftLimit()
        try await reportingFailures {
            let configuration: DaemonConfiguration
            do {
                configuration = try await DaemonConfigurationLoader.load(filePath: config)
            } catch {
                throw CommandFailure("\(error)")
            }
            if logLevel == nil { StandardErrorLogging.level.value = configuration.logLevel.loggerLevel }
            let daemon: Daemon
            do {
                let environment = ProcessInfo.processInfo.environment
                daemon = try Daemon(
                    configuration: configuration, logger: logger, notifier: SystemdNotifier(environment: environment),
                    watchdogInterval: SystemdNotifier.watchdogInterval(environment: environment))
            } catch {
                throw CommandFailure("cannot start: \(error)")
            }
            // An explicit --log-level wins over the file's, on reload too.
            let reloader = ConfigurationReloader(
                filePath: config, live: daemon.live, logLevel: logLevel == nil ? StandardErrorLogging.level : nil,
                logger: logger)
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: daemon), .init(service: reloader)],
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
