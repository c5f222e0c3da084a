import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The configuration a running daemon uses now. Most of it is fixed at start-up (ports, state
/// directory); the keys in `LiveConfiguration.liveKeys` change when the file is reloaded (SIGHUP).
package final class LiveConfiguration: Sendable {
    /// One part of the configuration that may change while the daemon runs: its key (as the file
    /// spells it) and how to take it from a newly loaded configuration. Add an entry here for a
    /// key whose readers look it up in `current` each time they use it.
    package struct LiveKey: Sendable {
        package let key: String
        let take: @Sendable (inout DaemonConfiguration, DaemonConfiguration) -> Void

        package init(_ key: String, take: @escaping @Sendable (inout DaemonConfiguration, DaemonConfiguration) -> Void) {
            self.key = key
            self.take = take
        }
    }

    /// The keys that change without a restart.
    package static let liveKeys: [LiveKey] = [
        LiveKey("budget") { $0.budget = $1.budget },
        LiveKey("log.level") { $0.logLevel = $1.logLevel },
        LiveKey("admin.allowedHosts") { $0.admin.allowedHosts = $1.admin.allowedHosts },
        // S3 keys and session tokens, webhook signing secrets (values, files, systemd credentials):
        // each sink reads them from `current` for every request it signs.
        LiveKey("sync.sink.*.credentials") { $0.sync = $0.sync.takingCredentials(from: $1.sync) },
    ]

    /// What a reload changed.
    package struct Outcome: Sendable, Equatable {
        /// Live keys whose value changed and now applies.
        package var applied: [String]
        /// Keys that changed in the file but only take effect after a restart (the old value stays).
        package var needRestart: [String]

        package init(applied: [String], needRestart: [String]) {
            self.applied = applied
            self.needRestart = needRestart
        }
    }

    private let state: Mutex<DaemonConfiguration>
    private let observers = Mutex<[@Sendable (DaemonConfiguration) -> Void]>([])

    package init(_ configuration: DaemonConfiguration) {
        state = Mutex(configuration)
    }

    /// The configuration in force now.
    package var current: DaemonConfiguration {
        state.withLock { $0 }
    }

    /// Calls `observer` with the configuration after every reload that changed a live key
    /// (e.g. to wake a worker that waits on a limit).
    package func observe(_ observer: @escaping @Sendable (DaemonConfiguration) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// Takes the live keys from `new`; keeps everything else as it is and names what differs.
    @discardableResult
    package func apply(_ new: DaemonConfiguration) -> Outcome {
        let (outcome, updated) = state.withLock { current -> (Outcome, DaemonConfiguration) in
            var applied: [String] = []
            var next = current
            for live in Self.liveKeys {
                var candidate = next
                live.take(&candidate, new)
                if candidate != next { applied.append(live.key) }
                next = candidate
            }
            current = next
            return (Outcome(applied: applied, needRestart: Self.restartOnlyDifferences(next, new)), next)
        }
        if !outcome.applied.isEmpty {
            for observer in observers.withLock({ $0 }) { observer(updated) }
        }
        return outcome
    }

    /// The fixed-at-start sections that differ between what runs and what the file now says.
    private static func restartOnlyDifferences(_ running: DaemonConfiguration, _ file: DaemonConfiguration) -> [String] {
        var differences: [String] = []
        if running.stateDirectory != file.stateDirectory { differences.append("stateDirectory") }
        if running.pollInterval != file.pollInterval { differences.append("pollInterval") }
        if running.runware != file.runware { differences.append("runware") }
        if running.webhook != file.webhook { differences.append("webhook") }
        if running.admin != file.admin { differences.append("admin") }
        if running.images != file.images { differences.append("images") }
        if running.reconcile != file.reconcile { differences.append("reconcile") }
        if running.sync.withoutCredentials != file.sync.withoutCredentials { differences.append("sync") }
        return differences
    }
}

/// The level every log handler of the process reads at each log call, so `log.level` can change
/// on reload without re-bootstrapping swift-log (which may happen only once).
package final class LogLevelSetting: Sendable {
    private let level: Mutex<Logger.Level>

    package init(_ level: Logger.Level) {
        self.level = Mutex(level)
    }

    /// The level in force.
    package var value: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}

extension DaemonConfiguration.LogLevel {
    /// The swift-log level of the same name.
    package var loggerLevel: Logger.Level {
        Logger.Level(rawValue: rawValue) ?? .info
    }
}

/// Reloads the configuration file on SIGHUP (`systemctl reload kontextd`): a file that does not
/// load (bad YAML, an unknown key, a value breaking a rule) is refused with the reason and the
/// running configuration kept; otherwise the live keys take effect and the rest is reported as
/// needing a restart.
package struct ConfigurationReloader: Service {
    let filePath: String?
    let environment: [String: String]
    let live: LiveConfiguration
    let logLevel: LogLevelSetting?
    let logger: Logger

    package init(
        filePath: String?, environment: [String: String] = ProcessInfo.processInfo.environment, live: LiveConfiguration,
        logLevel: LogLevelSetting?, logger: Logger
    ) {
        self.filePath = filePath
        self.environment = environment
        self.live = live
        self.logLevel = logLevel
        self.logger = logger
    }

    /// Loads the file again and applies it; the error says why a file was refused.
    package func reload() async throws -> LiveConfiguration.Outcome {
        let configuration: DaemonConfiguration
        do {
            configuration = try await DaemonConfigurationLoader.load(filePath: filePath, environment: environment)
        } catch {
            logger.error(
                "configuration reload refused; the running configuration is kept",
                metadata: ["file": "\(filePath ?? "(none)")", "reason": "\(error)"])
            throw error
        }
        let outcome = live.apply(configuration)
        logLevel?.value = live.current.logLevel.loggerLevel
        logger.notice(
            "configuration reloaded",
            metadata: [
                "file": "\(filePath ?? "(none)")",
                "applied": "\(outcome.applied.isEmpty ? "nothing changed" : outcome.applied.joined(separator: ", "))",
            ])
        if !outcome.needRestart.isEmpty {
            logger.warning(
                "configuration changes that take effect only after a restart",
                metadata: ["sections": "\(outcome.needRestart.joined(separator: ", "))"])
        }
        return outcome
    }

    /// Reloads on every SIGHUP until graceful shutdown.
    package func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            _ = try? await reload()
        }
    }
}
