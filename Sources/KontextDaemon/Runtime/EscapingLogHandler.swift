import Logging

/// A log handler that escapes control characters in the message and in every metadata value
/// before handing the line to the handler it wraps, so nothing a client sends (a path, a header, a
/// task field) can forge a log line with a newline or hide text with terminal escapes.
///
/// Newline, carriage return and tab become `\n`, `\r`, `\t`; other C0/C1 controls, DEL and the
/// Unicode line/paragraph separators become `\u{XX}`. Metadata set on the logger is kept here and
/// escaped with each line, so the wrapped handler never holds unescaped values.
package struct EscapingLogHandler: LogHandler {
    private var wrapped: any LogHandler

    /// Wraps `handler` (its own metadata is moved here, to be escaped too).
    package init(wrapping handler: any LogHandler) {
        var handler = handler
        self.metadata = handler.metadata
        handler.metadata = [:]
        self.wrapped = handler
    }

    package var metadata: Logger.Metadata

    package var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    package var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: Self.escape(event.message.description))
        var merged = metadata
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        event.metadata = merged.isEmpty ? nil : merged.mapValues(Self.escape)
        wrapped.log(event: event)
    }

    /// `value` with every string in it escaped.
    static func escape(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(escape(text))
        case .stringConvertible(let convertible): .string(escape(convertible.description))
        case .array(let values): .array(values.map(escape))
        case .dictionary(let values): .dictionary(values.mapValues(escape))
        }
    }

    /// `text` with control characters escaped; returned as is (no copy) when it has none.
    package static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where needsEscape(scalar):
                escaped += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }
}
