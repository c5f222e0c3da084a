import KontextTesting
import Foundation
import KontextDaemon
import Testing

@Suite struct ConfigurationLoaderTests {
    func temporaryFile(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "kontextd-config-" + UUID().uuidString
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func exampleConfigurationLoadsWithSecretsFromTheEnvironment() async throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/kontextd.yaml").path
        let configuration = try await DaemonConfigurationLoader.load(
            filePath: path, environment: ["KONTEXTD_WEBHOOK_SECRET": "0123456789abcdef0123", "KONTEXTD_RUNWARE_API_KEY": "key"])
        #expect(configuration.webhook.publicURL == "https://kontextd.example.com")
        #expect(configuration.images.allowedHosts == ["im.runware.ai"])
        #expect(configuration.admin.host == "127.0.0.1")
        #expect(configuration.runware.apiKey == "key")
    }

    @Test func environmentOverridesTheFile() async throws {
        let file = try temporaryFile("""
            stateDirectory: /tmp/from-file
            webhook:
              port: 9000
              secret: "file-secret-0123456789"
            images:
              allowedHosts: [a.example]
            """)
        let configuration = try await DaemonConfigurationLoader.load(
            filePath: file,
            environment: ["KONTEXTD_WEBHOOK_PORT": "9100", "KONTEXTD_IMAGES_ALLOWED_HOSTS": "im.runware.ai,127.0.0.1"])
        #expect(configuration.stateDirectory == "/tmp/from-file")
        #expect(configuration.webhook.port == 9100)
        #expect(configuration.images.allowedHosts == ["im.runware.ai", "127.0.0.1"])
        #expect(configuration.webhook.secret == Array("file-secret-0123456789".utf8))
    }

    @Test func secretsComeFromFilesAndSystemdCredentials() async throws {
        let keyFile = try temporaryFile("api-key-from-file\n")
        let directory = try makeTemporaryDirectory(prefix: "kontextd-creds")
        try "credential-secret-0123456789\n".write(toFile: directory + "/webhook-secret", atomically: true, encoding: .utf8)
        let configuration = try await DaemonConfigurationLoader.load(
            filePath: nil, environment: ["KONTEXTD_RUNWARE_API_KEY_FILE": keyFile, "CREDENTIALS_DIRECTORY": directory])
        #expect(configuration.runware.apiKey == "api-key-from-file")
        #expect(configuration.webhook.secret == Array("credential-secret-0123456789".utf8))
    }

    @Test func badValuesNameTheKeyTheRuleAndTheValue() async throws {
        await #expect {
            _ = try await DaemonConfigurationLoader.load(filePath: nil, environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains("webhook.secret") && text.contains("16 bytes")
        }
        await #expect {
            _ = try await DaemonConfigurationLoader.load(
                filePath: nil, environment: ["KONTEXTD_WEBHOOK_SECRET": "0123456789abcdef0", "KONTEXTD_ADMIN_PORT": "70000"])
        } throws: { error in
            "\(error)" == "configuration admin.port: must be 0…65535, got 70000"
        }
        await #expect {
            _ = try await DaemonConfigurationLoader.load(filePath: "/nonexistent/kontextd.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains("/nonexistent/kontextd.yaml")
        }
        await #expect {
            _ = try await DaemonConfigurationLoader.load(
                filePath: nil, environment: ["KONTEXTD_WEBHOOK_SECRET": "0123456789abcdef0", "KONTEXTD_RUNWARE_API_KEY_FILE": "/nonexistent/key"])
        } throws: { error in
            "\(error)".contains("runware.apiKeyFile") && "\(error)".contains("/nonexistent/key")
        }
    }
}
