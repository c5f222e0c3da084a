import Foundation
import KontextCore
import KontextNet
import Logging
import Synchronization
import Testing

@testable import KontextDaemon

/// The admin listener's browser-safety rules, the webhook body cap, the listener configuration
/// checks and log escaping, each as a table or a direct check of the decision.
@Suite struct ListenerSafetyTests {
    private func request(
        _ method: String = "GET", _ path: String = "/v1/tasks", host: String? = "127.0.0.1:8786",
        contentType: String? = nil, authorization: String? = nil, port: Int = 8786
    ) -> HTTPRequest {
        var headers: [HTTPHeader] = []
        if let host { headers.append(HTTPHeader(name: "Host", value: host)) }
        if let contentType { headers.append(HTTPHeader(name: "Content-Type", value: contentType)) }
        if let authorization { headers.append(HTTPHeader(name: "Authorization", value: authorization)) }
        return HTTPRequest(method: method, uri: path, headers: headers, localPort: port)
    }

    private func status(_ verdict: HTTPHeadVerdict) -> Int {
        switch verdict {
        case .admit: 0
        case .refuse(let response): response.status
        }
    }

    @Test(arguments: [
        ("127.0.0.1:8786", 0), ("localhost:8786", 0), ("LOCALHOST:8786", 0), ("[::1]:8786", 0), ("127.1.2.3:8786", 0),
        ("localhost.:8786", 0), ("127.0.0.1:9999", 421), ("localhost", 421), ("evil.example", 421),
        ("evil.example:8786", 421), ("kontextd.internal:8786", 0), ("kontextd.internal:1", 0), ("proxy.example:443", 0),
        ("proxy.example:444", 421), ("127.0.0.1.evil.example:8786", 421), ("[::1]", 421), ("", 421), ("a b:8786", 421),
        ("user@127.0.0.1:8786", 421), ("127.0.0.256:8786", 421),
    ])
    func hostHeaderMustNameThisListener(host: String, expected: Int) {
        let gate = AdminRequestGate(allowedHosts: ["kontextd.internal", "proxy.example:443"], token: nil)
        #expect(status(gate.inspect(request(host: host))) == expected, "Host: \(host)")
    }

    @Test func missingHostIsMisdirected() {
        let gate = AdminRequestGate(allowedHosts: [], token: nil)
        #expect(status(gate.inspect(request(host: nil))) == 421)
    }

    @Test(arguments: [
        ("POST", "application/json", 0), ("POST", "application/json; charset=utf-8", 0), ("POST", "Application/JSON", 0),
        ("POST", "text/plain", 415), ("POST", nil, 415), ("POST", "application/x-www-form-urlencoded", 415),
        ("POST", "multipart/form-data; boundary=x", 415), ("PUT", "text/plain", 415), ("DELETE", nil, 415),
        ("PATCH", "text/plain;charset=utf-8", 415), ("POST", "application/jsonp", 415), ("GET", nil, 0), ("HEAD", "text/plain", 0),
    ] as [(String, String?, Int)])
    func writesNeedJSON(method: String, contentType: String?, expected: Int) {
        let gate = AdminRequestGate(allowedHosts: [], token: nil)
        #expect(status(gate.inspect(request(method, contentType: contentType))) == expected, "\(method) \(contentType ?? "-")")
    }

    /// A body-carrying method no route answers reaches the router's 405/404 (schemathesis checks
    /// undeclared methods answer 405); one a route answers still needs JSON.
    @Test func writesToNoRouteAreLeftToTheRouter() {
        let gate = AdminRequestGate(
            currentAllowedHosts: { [] }, token: nil, routeExists: { method, uri in method == "POST" && uri == "/v1/tasks" })
        #expect(status(gate.inspect(request("PUT", contentType: nil))) == 0)
        #expect(status(gate.inspect(request("POST", contentType: "text/plain"))) == 415)
    }

    @Test(arguments: [
        ("Bearer s3cret-token", 0), ("bearer s3cret-token", 0), ("Bearer s3cret-tokeN", 401), ("Bearer s3cret-token2", 401),
        ("Basic s3cret-token", 401), ("s3cret-token", 401), (nil, 401), ("Bearer ", 401),
    ] as [(String?, Int)])
    func tokenIsCheckedWhenConfigured(authorization: String?, expected: Int) {
        let gate = AdminRequestGate(allowedHosts: [], token: Array("s3cret-token".utf8))
        let verdict = gate.inspect(request(authorization: authorization))
        #expect(status(verdict) == expected, "\(authorization ?? "-")")
        if case .refuse(let response) = verdict {
            #expect(response.headers.value(named: "WWW-Authenticate") == "Bearer realm=\"kontextd\"")
        }
    }

    @Test func hostIsCheckedBeforeTheTokenAndTheTokenBeforeTheContentType() {
        let gate = AdminRequestGate(allowedHosts: [], token: Array("t".utf8))
        #expect(status(gate.inspect(request("POST", host: "evil.example", contentType: "text/plain"))) == 421)
        #expect(status(gate.inspect(request("POST", contentType: "text/plain"))) == 401)
        #expect(status(gate.inspect(request("POST", contentType: "text/plain", authorization: "Bearer t"))) == 415)
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.255.0.1", true), ("::1", true), ("[::1]", true), ("localhost", true),
        ("0.0.0.0", false), ("::", false), ("192.168.1.2", false), ("10.0.0.1", false), ("kontextd.example", false),
        ("128.0.0.1", false), ("127.0.0", false),
    ])
    func loopbackAddresses(host: String, loopback: Bool) {
        #expect(LoopbackAddress.isLoopback(host) == loopback, "\(host)")
    }

    private func validConfiguration() -> DaemonConfiguration {
        var configuration = DaemonConfiguration(stateDirectory: "/tmp/unused")
        configuration.webhook.secret = Array("0123456789abcdef0123".utf8)
        return configuration
    }

    @Test func aNonLoopbackAdminHostNeedsAToken() throws {
        var configuration = validConfiguration()
        configuration.admin.host = "0.0.0.0"
        #expect {
            try DaemonConfigurationCheck.check(configuration)
        } throws: { error in
            let error = try #require(error as? ConfigurationError)
            return error.key == "admin.tokenFile" && error.rule.contains("not a loopback address") && error.value.contains("0.0.0.0")
        }
        configuration.admin.token = Array("a-token".utf8)
        try DaemonConfigurationCheck.check(configuration)
        configuration.admin.token = []
        configuration.admin.host = "::1"
        try DaemonConfigurationCheck.check(configuration)
    }

    @Test func listenerLimitsAreChecked() {
        func failure(_ change: (inout DaemonConfiguration) -> Void) -> String? {
            var configuration = validConfiguration()
            change(&configuration)
            do {
                try DaemonConfigurationCheck.check(configuration)
                return nil
            } catch {
                return (error as? ConfigurationError)?.key
            }
        }
        #expect(failure { _ in } == nil)
        #expect(failure { $0.webhook.headTimeout = 0 } == "webhook.headTimeout")
        #expect(failure { $0.webhook.requestTimeout = .infinity } == "webhook.requestTimeout")
        #expect(failure { $0.webhook.idleTimeout = -1 } == "webhook.idleTimeout")
        #expect(failure { $0.webhook.maxConnections = 0 } == "webhook.maxConnections")
        #expect(failure { $0.webhook.maxBufferedBytes = $0.webhook.maxBodyBytes - 1 } == "webhook.maxBufferedBytes")
        #expect(failure { $0.webhook.maxBodyBytes = 10 } == "webhook.maxBodyBytes")
        #expect(failure { $0.admin.allowedHosts = ["ok.example", "bad host"] } == "admin.allowedHosts")
    }

    @Test func adminKeysLoadFromTheEnvironmentAndCredentials() async throws {
        let directory = NSTemporaryDirectory() + "kontextd-credentials-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "from-credential\n".write(toFile: directory + "/admin-token", atomically: true, encoding: .utf8)
        let configuration = try await DaemonConfigurationLoader.load(
            filePath: nil,
            environment: [
                "KONTEXTD_WEBHOOK_SECRET": "0123456789abcdef0123", "CREDENTIALS_DIRECTORY": directory,
                "KONTEXTD_ADMIN_ALLOWED_HOSTS": "kontextd.lan,proxy.lan:443", "KONTEXTD_WEBHOOK_MAX_CONNECTIONS": "64",
                "KONTEXTD_WEBHOOK_HEAD_TIMEOUT": "2.5",
            ])
        #expect(configuration.admin.token == Array("from-credential".utf8))
        #expect(configuration.admin.allowedHosts == ["kontextd.lan", "proxy.lan:443"])
        #expect(configuration.webhook.maxConnections == 64)
        #expect(configuration.webhook.headTimeout == 2.5)
        #expect(configuration.webhook.maxBodyBytes == WebhookBodyLimit.derived)
    }

    @Test func webhookBodyCapCoversTheLargestInlineImageAndStaysWellUnder32MiB() {
        // 1568×672 RGBA PNG stored uncompressed, base64-encoded: 5.6 MB before JSON around it.
        let largestInline = (4 * 1568 + 1) * 672 * 4 / 3
        #expect(WebhookBodyLimit.derived >= largestInline + 64 * 1024)
        #expect(WebhookBodyLimit.derived == 6 << 20)
        #expect(WebhookBodyLimit.derived < 32 << 20)
    }

    @Test(arguments: [
        ("plain text", "plain text"), ("line\nforged line", "line\\nforged line"), ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("\u{1B}[31mred", "\\u{1B}[31mred"), ("del\u{7F}", "del\\u{7F}"), ("c1\u{85}", "c1\\u{85}"),
        ("sep\u{2028}x", "sep\\u{2028}x"), ("ünïcode ✓", "ünïcode ✓"),
    ])
    func logTextIsEscaped(raw: String, escaped: String) {
        #expect(EscapingLogHandler.escape(raw) == escaped)
    }

    @Test func escapingHandlerEscapesMessageAndEveryMetadataValue() {
        let captured = CapturedLines()
        var logger = Logger(label: "t") { _ in EscapingLogHandler(wrapping: CapturingHandler(lines: captured)) }
        logger[metadataKey: "listener"] = "admin\nx"
        logger.info("first\nsecond", metadata: [
            "path": "/a\r\nb", "list": .array(["x\ny"]), "map": .dictionary(["k": "v\u{1B}"]),
        ])
        let line = captured.lines.joined()
        #expect(!line.contains("\n"))
        #expect(!line.contains("\r"))
        #expect(!line.contains("\u{1B}"))
        #expect(line.contains("first\\nsecond"))
        #expect(line.contains("admin\\nx"))
        #expect(line.contains("/a\\r\\nb"))
    }
}

/// Lines a `CapturingHandler` received.
final class CapturedLines: Sendable {
    private let stored = Mutex<[String]>([])
    var lines: [String] { stored.withLock { $0 } }
    func append(_ line: String) { stored.withLock { $0.append(line) } }
}

/// A log handler that records each line as "message metadata".
struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        all.merge(event.metadata ?? [:]) { _, new in new }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.append("\(event.message) \(rendered)")
    }
}
