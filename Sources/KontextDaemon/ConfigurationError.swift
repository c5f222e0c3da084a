/// A configuration value that cannot be used, naming the key, the rule and the value.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The configuration key, dotted (`webhook.port`); its environment form is `KONTEXTD_WEBHOOK_PORT`.
    public let key: String
    /// What the value must be.
    public let rule: String
    /// The offending value (secrets are never shown).
    public let value: String

    public init(key: String, rule: String, value: String) {
        self.key = key
        self.rule = rule
        self.value = value
    }

    public var description: String { "configuration \(key): \(rule), got \(value)" }
}
