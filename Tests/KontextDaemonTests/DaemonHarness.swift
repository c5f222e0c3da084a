import KontextTesting
import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import KontextNet
import Logging
import RunwareSimulator
import Synchronization

/// A real daemon and a real Runware simulator on ephemeral loopback ports, in a temp directory.
final class DaemonHarness: Sendable {
    let simulator: RunwareSimulator
    let daemon: Daemon
    let configuration: DaemonConfiguration
    let adminURL: String
    let webhookBaseURL: String
    let client = CurlHTTPClient(configuration: .init(threads: 4, userAgent: "kontextd-tests"))
    let stateDirectory: String
    private let running: Task<Void, any Error>

    static func start(
        webhookVariant: WebhookBodyVariant = .bare, apiKeyOverride: String? = nil, apiURL: String? = nil,
        clock: AdjustableClock = AdjustableClock(),
        configure: @Sendable (inout DaemonConfiguration) -> Void = { _ in }
    ) async throws -> DaemonHarness {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let simulator = try await SimulatorFixture.start(logLevel: .warning) {
            $0.generationDelay = 0.05
            $0.webhookBodyVariant = webhookVariant
        }
        let simulatorConfiguration = simulator.configuration

        let directory = try makeTemporaryDirectory(prefix: "kontextd-test")
        var configuration = DaemonConfiguration(stateDirectory: directory)
        configuration.runware = .init(
            apiURL: apiURL ?? simulator.baseURL + "/v1", apiKey: apiKeyOverride ?? simulatorConfiguration.apiKey)
        configuration.webhook = .init(host: "127.0.0.1", port: 0, secret: Array("test-webhook-secret-0123456789".utf8))
        configuration.admin = .init(host: "127.0.0.1", port: 0)
        configuration.images.allowedHosts = ["127.0.0.1"]
        // The simulator serves images over plain http on loopback: both must be allowed explicitly.
        configuration.images.allowHTTP = true
        configuration.images.allowPrivateAddresses = true
        configuration.images.maxFetchAttempts = 2
        configuration.pollInterval = 0.1
        configure(&configuration)
        let daemon = try Daemon(configuration: configuration, logger: logger, clock: clock)
        let ports = try await daemon.start()
        let running = Task { try await daemon.run() }
        return DaemonHarness(
            simulator: simulator, daemon: daemon, configuration: configuration,
            adminURL: "http://127.0.0.1:\(ports.admin)", webhookBaseURL: "http://127.0.0.1:\(ports.webhook)",
            stateDirectory: directory, running: running)
    }

    private init(
        simulator: RunwareSimulator, daemon: Daemon, configuration: DaemonConfiguration, adminURL: String,
        webhookBaseURL: String, stateDirectory: String, running: Task<Void, any Error>
    ) {
        self.simulator = simulator
        self.daemon = daemon
        self.configuration = configuration
        self.adminURL = adminURL
        self.webhookBaseURL = webhookBaseURL
        self.stateDirectory = stateDirectory
        self.running = running
    }

    func stop() async {
        running.cancel()
        _ = try? await running.value
        await simulator.stop()
        await client.shutdown()
        try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    /// A request to the admin API, answered as status and JSON.
    func admin(_ method: String, _ path: String, json: JSONValue? = nil) async throws -> (status: Int, body: JSONValue) {
        let response = try await client.execute(
            HTTPClientRequest(
                method: method, url: adminURL + path,
                headers: json == nil ? [] : [HTTPHeader(name: "Content-Type", value: "application/json")],
                body: json.map(JSONCoding.encode)))
        return (response.status, (try? JSONCoding.parse(response.body)) ?? .null)
    }

    /// A raw request (any body) to the given URL.
    func raw(_ method: String, _ url: String, body: [UInt8]? = nil, headers: [HTTPHeader] = []) async throws -> HTTPClientResponse {
        try await client.execute(HTTPClientRequest(method: method, url: url, headers: headers, body: body))
    }

    /// The webhook URL the daemon gives Runware for `taskUUID` (with its real token).
    func webhookURL(_ taskUUID: String, token: String? = nil) -> String {
        let token = token ?? WebhookToken(key: configuration.webhook.secret).token(for: taskUUID)
        return "\(webhookBaseURL)/webhooks/runware/\(taskUUID)?token=\(token)"
    }

    /// Polls the task until it is final (or `timeout` passes) and returns its detail.
    func waitForFinal(_ taskUUID: String, timeout: Double = 30) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let (status, body) = try await admin("GET", "/v1/tasks/\(taskUUID)")
            if status == 200, let state = body["state"]?.stringValue.flatMap(TaskState.init(rawValue:)), state.isFinal {
                return body
            }
            if Date() > deadline { return body }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Polls until `condition` holds on the task detail (or `timeout` passes) and returns it.
    func waitFor(_ taskUUID: String, timeout: Double = 30, _ condition: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let (_, body) = try await admin("GET", "/v1/tasks/\(taskUUID)")
            if condition(body) || Date() > deadline { return body }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A valid client task with the given extra fields.
    static func task(_ prompt: String = "Turn the scene into a watercolour painting", _ extra: [String: JSONValue] = [:]) -> JSONValue {
        var object: [String: JSONValue] = [
            "taskType": .string("imageInference"),
            "model": .string("runware:106@1"),
            "positivePrompt": .string(prompt),
            "inputs": .object(["referenceImages": .array([.string("https://assets.runware.ai/assets/inputs/x.jpg")])]),
            "width": .integer(1024), "height": .integer(1024),
            "steps": .integer(4),
            "seed": .integer(42),
        ]
        for (key, value) in extra { object[key] = value }
        return .object(object)
    }
}

/// The system clock with a wall time a test moves forward (to turn the UTC day), never backwards;
/// monotonic time and sleeps are the system's.
final class AdjustableClock: DaemonClock {
    private let offset = Mutex(0.0)
    var now: ContinuousClock.Instant { ContinuousClock.now }
    var wallNow: Double { Date().timeIntervalSince1970 + offset.withLock { $0 } }
    func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration, clock: .continuous) }
    func advance(by seconds: Double) { offset.withLock { $0 += seconds } }
}
