import KontextDaemon
import Logging

/// Sends every log line to stderr through swift-log: stdout is fully buffered under systemd, and
/// the journal reads stderr. Lines are escaped (`EscapingLogHandler`): values a client sent cannot
/// forge or hide log lines.
enum StandardErrorLogging {
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return EscapingLogHandler(wrapping: handler)
        }
    }
}
