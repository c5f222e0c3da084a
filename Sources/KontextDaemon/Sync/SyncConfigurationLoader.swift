import Configuration
import Foundation
import KontextCore

/// Reads `sync.*` (and checks it): `sync.sinks` names the sinks, `sync.sink.<name>.*` configures
/// each. Every mistake stops start-up naming the key, the rule and the value.
enum SyncConfigurationLoader {
    static func load(from config: ConfigReader, environment: [String: String]) throws -> SyncConfiguration {
        var sync = SyncConfiguration()
        sync.maxAttempts = config.int(forKey: "sync.maxAttempts", default: sync.maxAttempts)
        sync.maxAge = config.double(forKey: "sync.maxAge", default: sync.maxAge)
        sync.initialBackoff = config.double(forKey: "sync.initialBackoff", default: sync.initialBackoff)
        sync.maxBackoff = config.double(forKey: "sync.maxBackoff", default: sync.maxBackoff)
        sync.pauseProbeInterval = config.double(forKey: "sync.pauseProbeInterval", default: sync.pauseProbeInterval)
        let names = config.stringArray(forKey: "sync.sinks", default: [])
        var seen = Set<String>()
        for name in names {
            guard !name.isEmpty, name.utf8.count <= 64,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else {
                throw ConfigurationError(key: "sync.sinks", rule: "names must be 1–64 letters, digits, - or _", value: name)
            }
            guard seen.insert(name).inserted else {
                throw ConfigurationError(key: "sync.sinks", rule: "must not name a sink twice", value: name)
            }
            sync.sinks.append(try sink(name, config: config, environment: environment))
        }
        return sync
    }

    private static func sink(_ name: String, config: ConfigReader, environment: [String: String]) throws -> SinkConfiguration {
        let prefix = "sync.sink.\(name)."
        func required(_ key: String, _ what: String) throws -> String {
            guard let value = config.string(forKey: ConfigKey(prefix + key)), !value.isEmpty else {
                throw ConfigurationError(key: prefix + key, rule: "is required for \(what)", value: "nothing")
            }
            return value
        }
        func template() throws -> ObjectKeyTemplate {
            let text = config.string(forKey: ConfigKey(prefix + "keyTemplate"), default: ObjectKeyTemplate.defaultTemplate)
            do {
                return try ObjectKeyTemplate(text)
            } catch {
                throw ConfigurationError(key: prefix + "keyTemplate", rule: error.rule, value: text)
            }
        }
        func secretText(_ valueKey: String, _ fileKey: String, credential: String) throws -> String? {
            try DaemonConfigurationLoader.secret(
                config: config, valueKey: prefix + valueKey, fileKey: prefix + fileKey, credential: credential,
                environment: environment
            ).map { String(decoding: $0, as: UTF8.self) }
        }
        guard let type = config.string(forKey: ConfigKey(prefix + "type")), !type.isEmpty else {
            throw ConfigurationError(key: prefix + "type", rule: "is required: directory, s3 or webhook", value: "nothing")
        }
        let kind: SinkConfiguration.Kind
        switch type {
        case "directory":
            let path = try required("path", "a directory sink")
            kind = .directory(DirectorySinkSettings(path: path, keyTemplate: try template()))
        case "s3":
            let endpoint = try required("endpoint", "an s3 sink")
            let bucket = try required("bucket", "an s3 sink")
            let accessKey = try secretText("accessKeyId", "accessKeyIdFile", credential: "\(name)-access-key-id")
                ?? environment["AWS_ACCESS_KEY_ID"]
            let secretKey = try secretText("secretAccessKey", "secretAccessKeyFile", credential: "\(name)-secret-access-key")
                ?? environment["AWS_SECRET_ACCESS_KEY"]
            guard let accessKey, !accessKey.isEmpty else {
                throw ConfigurationError(
                    key: prefix + "accessKeyIdFile",
                    rule: "an access key is required (accessKeyId, accessKeyIdFile, the credential \(name)-access-key-id, or AWS_ACCESS_KEY_ID)",
                    value: "nothing")
            }
            guard let secretKey, !secretKey.isEmpty else {
                throw ConfigurationError(
                    key: prefix + "secretAccessKeyFile",
                    rule: "a secret key is required (secretAccessKey, secretAccessKeyFile, the credential \(name)-secret-access-key, or AWS_SECRET_ACCESS_KEY)",
                    value: "nothing")
            }
            let sessionToken = try secretText("sessionToken", "sessionTokenFile", credential: "\(name)-session-token")
                ?? environment["AWS_SESSION_TOKEN"]
            var settings = S3SinkSettings(
                endpoint: endpoint, region: config.string(forKey: ConfigKey(prefix + "region"), default: "us-east-1"),
                bucket: bucket, prefix: config.string(forKey: ConfigKey(prefix + "prefix"), default: ""),
                keyTemplate: try template(), pathStyle: config.bool(forKey: ConfigKey(prefix + "pathStyle"), default: false),
                accessKeyID: accessKey, secretAccessKey: secretKey,
                sessionToken: sessionToken.flatMap { $0.isEmpty ? nil : $0 })
            settings.timeout = config.double(forKey: ConfigKey(prefix + "timeout"), default: settings.timeout)
            kind = .s3(settings)
        case "webhook":
            let url = try required("url", "a webhook sink")
            guard let secret = try secretText("secret", "secretFile", credential: "\(name)-webhook-secret") else {
                throw ConfigurationError(
                    key: prefix + "secretFile",
                    rule: "a signing secret is required (secret, secretFile or the credential \(name)-webhook-secret)",
                    value: "nothing")
            }
            guard let key = StandardWebhookSignature.key(fromSecret: secret) else {
                throw ConfigurationError(
                    key: prefix + "secret", rule: "must be whsec_ followed by the base64 of the key (Standard Webhooks)",
                    value: secret.hasPrefix("whsec_") ? "whsec_… (not base64)" : "a value without the whsec_ prefix")
            }
            var settings = WebhookSinkSettings(url: url, secret: key)
            settings.timeout = config.double(forKey: ConfigKey(prefix + "timeout"), default: settings.timeout)
            kind = .webhook(settings)
        default:
            throw ConfigurationError(key: prefix + "type", rule: "must be directory, s3 or webhook", value: type)
        }
        return SinkConfiguration(name: name, concurrency: config.int(forKey: ConfigKey(prefix + "concurrency"), default: 4), kind: kind)
    }

    /// The rules a sync configuration built in code (tests, the demo) must satisfy too.
    static func check(_ sync: SyncConfiguration) throws {
        guard sync.maxAttempts >= 1 else {
            throw ConfigurationError(key: "sync.maxAttempts", rule: "must be >= 1", value: "\(sync.maxAttempts)")
        }
        for (key, value) in [
            ("sync.maxAge", sync.maxAge), ("sync.initialBackoff", sync.initialBackoff), ("sync.maxBackoff", sync.maxBackoff),
            ("sync.pauseProbeInterval", sync.pauseProbeInterval),
        ] where !(value.isFinite && value > 0) {
            throw ConfigurationError(key: key, rule: "must be > 0 seconds", value: "\(value)")
        }
        for sink in sync.sinks {
            let prefix = "sync.sink.\(sink.name)."
            guard (1...64).contains(sink.concurrency) else {
                throw ConfigurationError(key: prefix + "concurrency", rule: "must be 1…64", value: "\(sink.concurrency)")
            }
            switch sink.kind {
            case .directory(let settings):
                guard settings.path.hasPrefix("/") else {
                    throw ConfigurationError(key: prefix + "path", rule: "must be an absolute path", value: settings.path)
                }
            case .s3(let settings):
                guard settings.endpoint.hasPrefix("http://") || settings.endpoint.hasPrefix("https://") else {
                    throw ConfigurationError(key: prefix + "endpoint", rule: "must be an http(s) URL", value: settings.endpoint)
                }
                // S3's bucket naming rules (lowercase letters, digits, dots, hyphens; 3–63), which
                // also keep the name safe inside a URL and a host name.
                let bucketOK = (3...63).contains(settings.bucket.count) && settings.bucket.allSatisfy {
                    $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".")
                }
                guard bucketOK else {
                    throw ConfigurationError(
                        key: prefix + "bucket", rule: "must be 3–63 lowercase letters, digits, dots or hyphens", value: settings.bucket)
                }
                guard settings.prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/-_.=+".contains($0)) }),
                    !settings.prefix.hasPrefix("/"), !settings.prefix.contains("..")
                else {
                    throw ConfigurationError(
                        key: prefix + "prefix", rule: "may hold only letters, digits and / - _ . = + (no leading /, no ..)",
                        value: settings.prefix)
                }
                guard !settings.region.isEmpty, settings.region.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                    throw ConfigurationError(key: prefix + "region", rule: "must be a region name such as eu-central-1", value: settings.region)
                }
                guard settings.timeout > 0 else {
                    throw ConfigurationError(key: prefix + "timeout", rule: "must be > 0 seconds", value: "\(settings.timeout)")
                }
            case .webhook(let settings):
                guard settings.url.hasPrefix("http://") || settings.url.hasPrefix("https://") else {
                    throw ConfigurationError(key: prefix + "url", rule: "must be an http(s) URL", value: settings.url)
                }
                guard settings.secret.count >= 16 else {
                    throw ConfigurationError(key: prefix + "secret", rule: "must hold at least 16 key bytes", value: "\(settings.secret.count) bytes")
                }
                guard settings.timeout > 0 else {
                    throw ConfigurationError(key: prefix + "timeout", rule: "must be > 0 seconds", value: "\(settings.timeout)")
                }
            }
        }
    }
}
