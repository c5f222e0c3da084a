import Foundation
import KontextDaemon
import Logging
import Synchronization
import Testing

@Suite struct ConfigurationKeysTests {
    static let secret = ["KONTEXTD_WEBHOOK_SECRET": "0123456789abcdef0123"]

    func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "kontextd-config-" + UUID().uuidString + ".yaml"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func unknownKeys(in yaml: String) async throws -> [UnknownConfigurationKey]? {
        do {
            _ = try await DaemonConfigurationLoader.load(filePath: try temporaryFile(yaml), environment: Self.secret)
            return nil
        } catch let error as UnknownConfigurationKeysError {
            return error.keys
        }
    }

    @Test(arguments: [
        ("webhok:\n  port: 9000\n", "webhok.port", "webhook.port"),
        ("webhook:\n  prot: 9000\n", "webhook.prot", "webhook.port"),
        ("admin:\n  maxBodyByte: 10\n", "admin.maxBodyByte", "admin.maxBodyBytes"),
        ("imags:\n  allowedHosts: [a.example]\n", "imags.allowedHosts", "images.allowedHosts"),
        ("budget:\n  dailyUsd: 5\n", "budget.dailyUsd", "budget.dailyUSD"),
        ("stateDirectry: /tmp/x\n", "stateDirectry", "stateDirectory"),
        ("zzzzzzzzzzzzzzzzzz: 1\n", "zzzzzzzzzzzzzzzzzz", nil),
    ] as [(String, String, String?)])
    func anUnknownKeyStopsTheLoadNamingTheNearestKnownOne(yaml: String, key: String, nearest: String?) async throws {
        let unknown = try #require(try await unknownKeys(in: yaml))
        #expect(unknown == [UnknownConfigurationKey(key: key, nearest: nearest)])
    }

    @Test func everyUnknownKeyIsReportedAtOnceWithTheFile() async throws {
        let file = try temporaryFile("webhok:\n  port: 1\nadmin:\n  prt: 2\n  port: 3\n")
        await #expect {
            _ = try await DaemonConfigurationLoader.load(filePath: file, environment: Self.secret)
        } throws: { error in
            "\(error)" == "configuration \(file): unknown keys admin.prt (did you mean admin.port?), webhok.port (did you mean webhook.port?)"
        }
    }

    @Test func theExampleFileHasNoUnknownKeysAndEmptySectionsAreFine() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../config/kontextd.yaml").path
        #expect(try await unknownKeys(in: try String(contentsOfFile: example, encoding: .utf8)) == nil)
        // A section whose children are all commented out sets nothing and is no mistake.
        #expect(try await unknownKeys(in: "budget:\n  # dailyUSD: 5\nwebhook:\n  port: 9000\n") == nil)
        #expect(try await unknownKeys(in: "bugdet:\n  # dailyUSD: 5\n") == [UnknownConfigurationKey(key: "bugdet", nearest: "budget")])
    }

    @Test func secretKeysAreKnownWhicheverFormIsUsed() async throws {
        let keyFile = try temporaryFile("k\n")
        let yaml = "runware:\n  apiKey: inline\n  apiKeyFile: \(keyFile)\nwebhook:\n  secret: 0123456789abcdef0123\n  secretFile: \(keyFile)\n"
        #expect(try await DaemonConfigurationLoader.load(filePath: try temporaryFile(yaml), environment: [:]).runware.apiKey == "inline")
    }

    @Test func namesUnderListDynamicSections() throws {
        let keys = try ConfigurationFileKeys(
            yaml: "sync:\n  sink:\n    archive:\n      path: /a\n    s3:\n      bucket: b\n      region: r\n", path: "f")
        #expect(keys.names(under: "sync.sink") == ["archive", "s3"])
        #expect(keys.keys == ["sync.sink.archive.path", "sync.sink.s3.bucket", "sync.sink.s3.region"])
        #expect(keys.names(under: "nothing") == [])
    }

    @Test func fileThatIsNotAMappingOrNotYAMLIsRefusedWithTheReason() async throws {
        await #expect {
            _ = try await DaemonConfigurationLoader.load(filePath: try temporaryFile("- a\n- b\n"), environment: Self.secret)
        } throws: { error in
            "\(error)".contains("must hold a YAML mapping")
        }
        await #expect {
            _ = try await DaemonConfigurationLoader.load(filePath: try temporaryFile("a: [b\n"), environment: Self.secret)
        } throws: { error in
            "\(error)".contains("must be valid YAML")
        }
    }

    @Test func budgetAndLogLevelAreReadAndChecked() async throws {
        let loaded = try await DaemonConfigurationLoader.load(
            filePath: try temporaryFile("budget:\n  dailyUSD: 2.5\n  totalUSD: 100\nlog:\n  level: debug\n"),
            environment: Self.secret)
        #expect(loaded.budget == DaemonConfiguration.Budget(dailyUSD: 2.5, totalUSD: 100))
        #expect(loaded.logLevel == .debug)
        #expect(DaemonConfiguration().budget.dailyUSD == nil && DaemonConfiguration().budget.totalUSD == nil)
        await #expect {
            _ = try await DaemonConfigurationLoader.load(filePath: try temporaryFile("budget:\n  dailyUSD: -1\n"), environment: Self.secret)
        } throws: { error in
            "\(error)".hasPrefix("configuration budget.dailyUSD: must be a number of US dollars >= 0") && "\(error)".hasSuffix("got -1.0")
        }
        await #expect {
            _ = try await DaemonConfigurationLoader.load(filePath: try temporaryFile("log:\n  level: loud\n"), environment: Self.secret)
        } throws: { error in
            "\(error)" == "configuration log.level: must be one of trace|debug|info|notice|warning|error|critical, got loud"
        }
    }
}

@Suite struct ConfigurationReloadTests {
    func write(_ contents: String, to path: String) throws {
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func reloadTakesSinkCredentialsLiveAndOtherSinkSettingsOnlyAfterARestart() async throws {
        let directory = NSTemporaryDirectory() + "kontextd-credentials-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/kontextd.yaml", secretFile = directory + "/secret", hookFile = directory + "/hook"
        func sinks(bucket: String = "images", secretFile: String) -> String {
            """
            sync:
              sinks: [bucket, notify]
              sink:
                bucket: {type: s3, endpoint: "http://127.0.0.1:9", bucket: \(bucket), accessKeyId: AKIA1, secretAccessKeyFile: \(secretFile)}
                notify: {type: webhook, url: "http://127.0.0.1:9/hook", secretFile: \(hookFile)}

            """
        }
        let hookKey = Array(repeating: UInt8(7), count: 24), newHookKey = Array(repeating: UInt8(9), count: 24)
        try write("old-secret\n", to: secretFile)
        try write("whsec_" + Data(hookKey).base64EncodedString(), to: hookFile)
        try write(sinks(secretFile: secretFile), to: path)
        let environment = ConfigurationKeysTests.secret
        let live = LiveConfiguration(try await DaemonConfigurationLoader.load(filePath: path, environment: environment))
        let reloader = ConfigurationReloader(filePath: path, environment: environment, live: live, logLevel: nil, logger: Logger(label: "test"))

        // New secrets in the same files: applied, nothing else differs.
        try write("new-secret\n", to: secretFile)
        try write("whsec_" + Data(newHookKey).base64EncodedString(), to: hookFile)
        #expect(try await reloader.reload() == .init(applied: ["sync.sink.*.credentials"], needRestart: []))
        #expect(live.current.sync.sink(named: "bucket")?.s3Settings?.secretAccessKey == "new-secret")
        #expect(live.current.sync.sink(named: "notify")?.webhookSettings?.secret == newHookKey)

        // Another bucket needs a restart (the running one stays); its credentials still apply.
        try write("newer-secret", to: secretFile)
        try write(sinks(bucket: "other-images", secretFile: secretFile), to: path)
        #expect(try await reloader.reload() == .init(applied: ["sync.sink.*.credentials"], needRestart: ["sync"]))
        #expect(live.current.sync.sink(named: "bucket")?.s3Settings?.bucket == "images")
        #expect(live.current.sync.sink(named: "bucket")?.s3Settings?.secretAccessKey == "newer-secret")

        // Unreadable credentials: refused naming key, rule and the file (never a secret); the old ones stay.
        let missing = directory + "/missing"
        try write(sinks(secretFile: missing), to: path)
        await #expect {
            try await reloader.reload()
        } throws: { error in
            "\(error)" == "configuration sync.sink.bucket.secretAccessKeyFile: must name a readable file, got \(missing)"
        }
        #expect(live.current.sync.sink(named: "bucket")?.s3Settings?.secretAccessKey == "newer-secret")
    }

    @Test func reloadAppliesLiveKeysKeepsTheRestAndRefusesABadFile() async throws {
        let path = NSTemporaryDirectory() + "kontextd-reload-" + UUID().uuidString + ".yaml"
        try write("admin:\n  port: 9001\n", to: path)
        let environment = ConfigurationKeysTests.secret
        let initial = try await DaemonConfigurationLoader.load(filePath: path, environment: environment)
        let live = LiveConfiguration(initial)
        let level = LogLevelSetting(.info)
        let seen = ObservedConfigurations()
        live.observe { seen.append($0) }
        let reloader = ConfigurationReloader(
            filePath: path, environment: environment, live: live, logLevel: level, logger: Logger(label: "test"))

        #expect(try await reloader.reload() == .init(applied: [], needRestart: []))
        #expect(seen.count == 0)

        try write("admin:\n  port: 9002\nbudget:\n  dailyUSD: 3\nlog:\n  level: warning\n", to: path)
        #expect(try await reloader.reload() == .init(applied: ["budget", "log.level"], needRestart: ["admin"]))
        #expect(live.current.budget.dailyUSD == 3)
        #expect(live.current.admin.port == 9001)
        #expect(level.value == .warning)
        #expect(seen.count == 1)

        // A typo, then a broken rule: each refused, the running configuration untouched.
        try write("admin:\n  port: 9001\nbudget:\n  daily: 1\n", to: path)
        await #expect {
            try await reloader.reload()
        } throws: { error in
            "\(error)".contains("budget.daily (did you mean budget.dailyUSD?)")
        }
        try write("budget:\n  dailyUSD: -5\n", to: path)
        await #expect(throws: ConfigurationError.self) { try await reloader.reload() }
        #expect(live.current.budget.dailyUSD == 3)
        #expect(level.value == .warning)

        // Raising the limit again applies.
        try write("admin:\n  port: 9001\nbudget:\n  dailyUSD: 10\n", to: path)
        #expect(try await reloader.reload() == .init(applied: ["budget", "log.level"], needRestart: []))
        #expect(live.current.budget.dailyUSD == 10)
        #expect(level.value == .info)
        #expect(seen.count == 2)
    }
}

/// Configurations an observer saw, in order.
final class ObservedConfigurations: Sendable {
    private let values = Mutex<[DaemonConfiguration]>([])
    func append(_ value: DaemonConfiguration) { values.withLock { $0.append(value) } }
    var count: Int { values.withLock { $0.count } }
}
