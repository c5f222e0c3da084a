import ArgumentParser
import Foundation
import KontextDaemon

/// `kontextd config`: work with configuration files without starting anything.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check configuration files.", subcommands: [Check.self])

    /// `kontextd config check FILE`: loads the file exactly as `serve` would (environment overrides
    /// included) and reports the first broken rule or every unknown key; exit 0 when it would start.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a configuration file (unknown keys, values, secrets) without starting anything.",
            discussion: """
                Secrets given as systemd credentials exist only inside the unit; with --without-secrets a
                missing webhook secret is not reported (every other rule still is).
                """)

        @Argument(help: "The YAML configuration file.")
        var file: String

        @Flag(help: "Do not require the webhook secret (it comes from a systemd credential at run time).")
        var withoutSecrets = false

        func run() async throws {
            try await reportingFailures {
                var environment = ProcessInfo.processInfo.environment
                if withoutSecrets, environment["KONTEXTD_WEBHOOK_SECRET"] == nil {
                    // A stand-in that satisfies the length rule. The environment wins over the file,
                    // so it is only filled in when the file names no secret of its own (whose file is checked).
                    if !(try fileSetsWebhookSecret()) { environment["KONTEXTD_WEBHOOK_SECRET"] = String(repeating: "x", count: 32) }
                }
                do {
                    let loaded = try await DaemonConfigurationLoader.load(filePath: file, environment: environment)
                    FileHandleOutput.standardOutput(
                        "\(file): OK (admin \(loaded.admin.host):\(loaded.admin.port), webhook \(loaded.webhook.host):\(loaded.webhook.port), state \(loaded.stateDirectory))")
                } catch {
                    throw CommandFailure("\(error)")
                }
            }
        }

        private func fileSetsWebhookSecret() throws -> Bool {
            guard let data = FileManager.default.contents(atPath: file) else { return false }
            let keys = try ConfigurationFileKeys(yaml: String(decoding: data, as: UTF8.self), path: file)
            return keys.keys.contains("webhook.secret") || keys.keys.contains("webhook.secretFile")
        }
    }
}
