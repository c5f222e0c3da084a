import Logging

/// Sends every log line to stderr through swift-log: stdout is fully buffered under systemd, and
/// the journal reads stderr.
enum StandardErrorLogging {
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
