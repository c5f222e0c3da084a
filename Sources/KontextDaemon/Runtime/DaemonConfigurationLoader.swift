import Configuration
import Foundation
import SystemPackage

/// Reads `DaemonConfiguration` from, in order of precedence: the environment (`KONTEXTD_` + the
/// key in upper snake case, e.g. `KONTEXTD_WEBHOOK_PUBLIC_URL`), the YAML file, then the defaults.
///
/// Secrets may instead come from files: `runware.apiKeyFile`, `webhook.secretFile` and
/// `admin.tokenFile`, or the systemd credentials `runware-api-key`, `webhook-secret` and
/// `admin-token` in `$CREDENTIALS_DIRECTORY`.
package enum DaemonConfigurationLoader {
    /// Loads and checks the configuration. `filePath` nil reads environment and defaults only.
    ///
    /// A key the file sets that nothing reads (a typo such as `webhok.port`) stops the load with the
    /// key and the nearest known one: every key read is recorded as it is read, so there is no list
    /// of known keys to keep in step with the code.
    package static func load(
        filePath: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> DaemonConfiguration {
        let ledger = ConfigurationKeyLedger()
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "kontextd")
        ]
        var fileKeys: ConfigurationFileKeys?
        if let filePath {
            guard let data = FileManager.default.contents(atPath: filePath) else {
                throw ConfigurationError(key: "--config", rule: "must name an existing, readable YAML file", value: filePath)
            }
            fileKeys = try ConfigurationFileKeys(yaml: String(decoding: data, as: UTF8.self), path: filePath)
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(filePath)))
            } catch {
                throw ConfigurationError(key: filePath, rule: "must be a configuration kontextd can read", value: "\(error)")
            }
        }
        let reader = ConfigReader(providers: providers, accessReporter: ledger)
        let configuration = try build(from: reader, file: fileKeys, environment: environment)
        if let filePath, let fileKeys {
            let unknown = fileKeys.unknown(given: ledger.readKeys)
            if !unknown.isEmpty { throw UnknownConfigurationKeysError(file: filePath, keys: unknown) }
        }
        return configuration
    }

    /// Reads every key into a configuration. `file` lists the file's keys, for sections whose
    /// names the file chooses (`names(under:)`); every key read here becomes a known key.
    static func build(from config: ConfigReader, file: ConfigurationFileKeys?, environment: [String: String]) throws
        -> DaemonConfiguration
    {
        var result = DaemonConfiguration()
        if let text = config.string(forKey: "log.level") {
            guard let level = DaemonConfiguration.LogLevel(rawValue: text.lowercased()) else {
                let allowed = DaemonConfiguration.LogLevel.allCases.map(\.rawValue).joined(separator: "|")
                throw ConfigurationError(key: "log.level", rule: "must be one of \(allowed)", value: text)
            }
            result.logLevel = level
        }
        result.budget.dailyUSD = config.double(forKey: "budget.dailyUSD")
        result.budget.totalUSD = config.double(forKey: "budget.totalUSD")
        result.budget.defaultImageCostUSD = config.double(
            forKey: "budget.defaultImageCostUSD", default: result.budget.defaultImageCostUSD)

        result.stateDirectory = config.string(forKey: "stateDirectory", default: result.stateDirectory)
        result.pollInterval = config.double(forKey: "pollInterval", default: result.pollInterval)

        result.runware.apiURL = config.string(forKey: "runware.apiURL", default: result.runware.apiURL)
        result.runware.requestTimeout = config.double(forKey: "runware.requestTimeout", default: result.runware.requestTimeout)
        result.runware.maxTasksPerRequest = config.int(
            forKey: "runware.maxTasksPerRequest", default: result.runware.maxTasksPerRequest)
        result.runware.maxSubmitFailures = config.int(forKey: "runware.maxSubmitFailures", default: result.runware.maxSubmitFailures)
        result.runware.apiKey = try secret(
            config: config, valueKey: "runware.apiKey", fileKey: "runware.apiKeyFile",
            credential: "runware-api-key", environment: environment
        ).map { String(decoding: $0, as: UTF8.self) } ?? ""

        result.webhook.host = config.string(forKey: "webhook.host", default: result.webhook.host)
        result.webhook.port = config.int(forKey: "webhook.port", default: result.webhook.port)
        result.webhook.publicURL = config.string(forKey: "webhook.publicURL")
        result.webhook.maxBodyBytes = config.int(forKey: "webhook.maxBodyBytes", default: result.webhook.maxBodyBytes)
        result.webhook.headTimeout = config.double(forKey: "webhook.headTimeout", default: result.webhook.headTimeout)
        result.webhook.requestTimeout = config.double(forKey: "webhook.requestTimeout", default: result.webhook.requestTimeout)
        result.webhook.idleTimeout = config.double(forKey: "webhook.idleTimeout", default: result.webhook.idleTimeout)
        result.webhook.maxConnections = config.int(forKey: "webhook.maxConnections", default: result.webhook.maxConnections)
        result.webhook.maxBufferedBytes = config.int(forKey: "webhook.maxBufferedBytes", default: result.webhook.maxBufferedBytes)
        result.webhook.secret =
            try secret(
                config: config, valueKey: "webhook.secret", fileKey: "webhook.secretFile",
                credential: "webhook-secret", environment: environment) ?? []

        result.admin.host = config.string(forKey: "admin.host", default: result.admin.host)
        result.admin.port = config.int(forKey: "admin.port", default: result.admin.port)
        result.admin.maxBodyBytes = config.int(forKey: "admin.maxBodyBytes", default: result.admin.maxBodyBytes)
        result.admin.allowedHosts = config.stringArray(forKey: "admin.allowedHosts", default: result.admin.allowedHosts)
        result.admin.token =
            try secret(
                config: config, valueKey: "admin.token", fileKey: "admin.tokenFile", credential: "admin-token",
                environment: environment) ?? []

        result.images.allowedHosts = config.stringArray(forKey: "images.allowedHosts", default: result.images.allowedHosts)
        result.images.maxBytes = config.int(forKey: "images.maxBytes", default: result.images.maxBytes)
        result.images.downloadTimeout = config.double(forKey: "images.downloadTimeout", default: result.images.downloadTimeout)
        result.images.stallSeconds = config.int(forKey: "images.stallSeconds", default: result.images.stallSeconds)
        result.images.maxFetchAttempts = config.int(forKey: "images.maxFetchAttempts", default: result.images.maxFetchAttempts)
        result.images.concurrency = config.int(forKey: "images.concurrency", default: result.images.concurrency)
        result.images.maxRefetches = config.int(forKey: "images.maxRefetches", default: result.images.maxRefetches)
        result.images.allowHTTP = config.bool(forKey: "images.allowHTTP", default: result.images.allowHTTP)
        result.images.allowPrivateAddresses = config.bool(
            forKey: "images.allowPrivateAddresses", default: result.images.allowPrivateAddresses)
        result.images.proxy = config.string(forKey: "images.proxy").flatMap { $0.isEmpty ? nil : $0 }
        result.images.decodeMemoryBudget = config.int(
            forKey: "images.decodeMemoryBudget", default: result.images.decodeMemoryBudget)
        result.reconcile.overdueAfter = config.double(forKey: "reconcile.overdueAfter", default: result.reconcile.overdueAfter)
        result.reconcile.interval = config.double(forKey: "reconcile.interval", default: result.reconcile.interval)
        result.reconcile.giveUpAfter = config.double(forKey: "reconcile.giveUpAfter", default: result.reconcile.giveUpAfter)
        result.images.retainLocalDays = config.double(forKey: "images.retainLocalDays")
        result.sync = try SyncConfigurationLoader.load(from: config, environment: environment)

        try DaemonConfigurationCheck.check(result)
        return result
    }

    /// A secret given inline, by file, or as a systemd credential (first found, in that order).
    static func secret(
        config: ConfigReader, valueKey: String, fileKey: String, credential: String, environment: [String: String]
    ) throws -> [UInt8]? {
        // Both keys are read whichever is used, so neither is reported as unknown.
        let inline = config.string(forKey: ConfigKey(valueKey), isSecret: true)
        var path = config.string(forKey: ConfigKey(fileKey))
        if let inline, !inline.isEmpty { return Array(inline.utf8) }
        if path == nil, let directory = environment["CREDENTIALS_DIRECTORY"] {
            let candidate = directory + "/" + credential
            if FileManager.default.fileExists(atPath: candidate) { path = candidate }
        }
        guard let path else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: fileKey, rule: "must name a readable file", value: path)
        }
        // Files written by editors and `echo` end in a newline that is not part of the secret.
        var bytes = Array(data)
        while let last = bytes.last, last == 0x0a || last == 0x0d || last == 0x20 { bytes.removeLast() }
        return bytes
    }
}

/// The rules a configuration must satisfy before the daemon starts.
package enum DaemonConfigurationCheck {
    /// Throws the first violated rule, naming key, rule and value.
    package static func check(_ configuration: DaemonConfiguration) throws {
        func port(_ key: String, _ value: Int) throws {
            guard (0...65535).contains(value) else { throw ConfigurationError(key: key, rule: "must be 0…65535", value: "\(value)") }
        }
        try port("webhook.port", configuration.webhook.port)
        try port("admin.port", configuration.admin.port)
        guard configuration.webhook.secret.count >= 16 else {
            throw ConfigurationError(
                key: "webhook.secret",
                rule: "must be at least 16 bytes (set webhook.secret, webhook.secretFile or the webhook-secret credential)",
                value: "\(configuration.webhook.secret.count) bytes")
        }
        guard configuration.runware.apiURL.hasPrefix("http://") || configuration.runware.apiURL.hasPrefix("https://") else {
            throw ConfigurationError(key: "runware.apiURL", rule: "must be an http(s) URL", value: configuration.runware.apiURL)
        }
        if let url = configuration.webhook.publicURL, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ConfigurationError(key: "webhook.publicURL", rule: "must be an http(s) URL", value: url)
        }
        guard (1...100).contains(configuration.runware.maxTasksPerRequest) else {
            throw ConfigurationError(
                key: "runware.maxTasksPerRequest", rule: "must be 1…100", value: "\(configuration.runware.maxTasksPerRequest)")
        }
        guard (1...64).contains(configuration.images.concurrency) else {
            throw ConfigurationError(key: "images.concurrency", rule: "must be 1…64", value: "\(configuration.images.concurrency)")
        }
        guard configuration.images.maxFetchAttempts >= 1 else {
            throw ConfigurationError(
                key: "images.maxFetchAttempts", rule: "must be >= 1", value: "\(configuration.images.maxFetchAttempts)")
        }
        guard !configuration.images.allowedHosts.isEmpty else {
            throw ConfigurationError(key: "images.allowedHosts", rule: "must list at least one host", value: "[]")
        }
        guard configuration.runware.maxSubmitFailures >= 1 else {
            throw ConfigurationError(
                key: "runware.maxSubmitFailures", rule: "must be >= 1", value: "\(configuration.runware.maxSubmitFailures)")
        }
        guard configuration.images.decodeMemoryBudget >= 1 << 20 else {
            throw ConfigurationError(
                key: "images.decodeMemoryBudget", rule: "must be >= 1048576 (1 MiB)",
                value: "\(configuration.images.decodeMemoryBudget)")
        }
        if let proxy = configuration.images.proxy {
            let scheme = proxy.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            guard proxy.contains("://"), ["http", "https", "socks5", "socks5h"].contains(scheme) else {
                throw ConfigurationError(
                    key: "images.proxy", rule: "must be an http://, https://, socks5:// or socks5h:// proxy URL", value: proxy)
            }
        }
        guard configuration.images.maxRefetches >= 0 else {
            throw ConfigurationError(key: "images.maxRefetches", rule: "must be >= 0", value: "\(configuration.images.maxRefetches)")
        }
        guard configuration.reconcile.overdueAfter > 0 else {
            throw ConfigurationError(
                key: "reconcile.overdueAfter", rule: "must be > 0 seconds", value: "\(configuration.reconcile.overdueAfter)")
        }
        guard configuration.reconcile.interval > 0 else {
            throw ConfigurationError(key: "reconcile.interval", rule: "must be > 0 seconds", value: "\(configuration.reconcile.interval)")
        }
        guard configuration.reconcile.giveUpAfter > 0 else {
            throw ConfigurationError(
                key: "reconcile.giveUpAfter", rule: "must be > 0 seconds", value: "\(configuration.reconcile.giveUpAfter)")
        }
        try checkListenerLimits(configuration)
        for (key, limit) in [("budget.dailyUSD", configuration.budget.dailyUSD), ("budget.totalUSD", configuration.budget.totalUSD)] {
            if let limit, !(limit >= 0 && limit.isFinite) {
                throw ConfigurationError(key: key, rule: "must be a number of US dollars >= 0 (leave it out for no limit)", value: "\(limit)")
            }
        }
        guard configuration.budget.defaultImageCostUSD >= 0, configuration.budget.defaultImageCostUSD.isFinite else {
            throw ConfigurationError(
                key: "budget.defaultImageCostUSD", rule: "must be a number of US dollars >= 0",
                value: "\(configuration.budget.defaultImageCostUSD)")
        }
        guard configuration.pollInterval > 0 else {
            throw ConfigurationError(key: "pollInterval", rule: "must be > 0", value: "\(configuration.pollInterval)")
        }
        try SyncConfigurationLoader.check(configuration.sync)
        if let days = configuration.images.retainLocalDays {
            guard days.isFinite, days > 0 else {
                throw ConfigurationError(key: "images.retainLocalDays", rule: "must be > 0 days (omit it to keep images forever)", value: "\(days)")
            }
            guard configuration.sync.sinks.contains(where: { $0.kind.events.contains(.imageStored) && $0.kind.typeName != "webhook" }) else {
                throw ConfigurationError(
                    key: "images.retainLocalDays",
                    rule: "needs a directory or s3 sink in sync.sinks (images are deleted only after every such sink has them)",
                    value: "\(days)")
            }
        }
    }
}

extension DaemonConfigurationCheck {
    /// The webhook listener's limits and the admin listener's access rules.
    static func checkListenerLimits(_ configuration: DaemonConfiguration) throws {
        let webhook = configuration.webhook
        for (key, value) in [
            ("webhook.headTimeout", webhook.headTimeout), ("webhook.requestTimeout", webhook.requestTimeout),
            ("webhook.idleTimeout", webhook.idleTimeout),
        ] {
            guard value.isFinite, value > 0, value <= 86_400 else {
                throw ConfigurationError(key: key, rule: "must be > 0 and at most 86400 seconds", value: "\(value)")
            }
        }
        guard webhook.maxBodyBytes >= 1024 else {
            throw ConfigurationError(key: "webhook.maxBodyBytes", rule: "must be >= 1024", value: "\(webhook.maxBodyBytes)")
        }
        guard (1...1_000_000).contains(webhook.maxConnections) else {
            throw ConfigurationError(key: "webhook.maxConnections", rule: "must be 1…1000000", value: "\(webhook.maxConnections)")
        }
        guard webhook.maxBufferedBytes >= webhook.maxBodyBytes else {
            throw ConfigurationError(
                key: "webhook.maxBufferedBytes",
                rule: "must be >= webhook.maxBodyBytes (\(webhook.maxBodyBytes)), or the largest delivery could never be read",
                value: "\(webhook.maxBufferedBytes)")
        }
        for entry in configuration.admin.allowedHosts where HostName(header: entry) == nil {
            throw ConfigurationError(
                key: "admin.allowedHosts", rule: "each entry must be a host name or address, optionally with :port", value: entry)
        }
        if !LoopbackAddress.isLoopback(configuration.admin.host) && configuration.admin.token.isEmpty {
            throw ConfigurationError(
                key: "admin.tokenFile",
                rule: "must be set (or the admin-token credential, or admin.token) when admin.host is not a loopback address",
                value: "admin.host \(configuration.admin.host) with no token")
        }
    }
}

/// A configuration value that cannot be used, naming the key, the rule and the value.
package struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The configuration key, dotted (`webhook.port`); its environment form is `KONTEXTD_WEBHOOK_PORT`.
    package let key: String
    /// What the value must be.
    package let rule: String
    /// The offending value (secrets are never shown).
    package let value: String

    package init(key: String, rule: String, value: String) {
        self.key = key
        self.rule = rule
        self.value = value
    }

    package var description: String { "configuration \(key): \(rule), got \(value)" }
}

/// Keys the configuration file sets that kontextd does not know, each with the nearest known key.
package struct UnknownConfigurationKeysError: Error, Sendable, CustomStringConvertible {
    /// The file that sets them.
    package let file: String
    /// The unknown keys, sorted.
    package let keys: [UnknownConfigurationKey]

    package var description: String {
        let list = keys.map(\.description).joined(separator: ", ")
        return "configuration \(file): unknown key\(keys.count == 1 ? "" : "s") \(list)"
    }
}
