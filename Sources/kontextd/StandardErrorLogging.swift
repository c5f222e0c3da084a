import KontextDaemon
import Logging

/// Sends every log line to stderr through swift-log: stdout is fully buffered under systemd, and
/// the journal reads stderr. Lines are escaped (`EscapingLogHandler`): values a client sent cannot
/// forge or hide log lines.
enum StandardErrorLogging {
    /// The level every handler reads at each call; `serve` changes it when `log.level` is reloaded.
    static let level = LogLevelSetting(.info)

    static func bootstrap(level: Logger.Level) {
        Self.level.value = level
        LoggingSystem.bootstrap { label in
            EscapingLogHandler(wrapping: LiveLevelLogHandler(base: StreamLogHandler.standardError(label: label), setting: Self.level))
        }
    }
}

/// A log handler whose level is read from a shared setting at every call, so a reload can change it.
struct LiveLevelLogHandler: LogHandler {
    var base: StreamLogHandler
    let setting: LogLevelSetting

    var logLevel: Logger.Level {
        get { setting.value }
        // A logger asking for its own level is honoured by the shared setting only through a reload.
        set {}
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        base.log(event: event)
    }
}
