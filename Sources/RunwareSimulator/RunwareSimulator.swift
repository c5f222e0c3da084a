import KontextCore
import KontextNet
import Logging

/// A local stand-in for Runware's REST API, faithful to the project's protocol notes, for the
/// demo and end-to-end tests (in-process here, or as the `runware-sim` executable).
///
/// It speaks `POST /v1` (authentication, `imageInference`, `getResponse`, Runware's error
/// envelope, `conflictTaskUUID`), generates real JPEG/PNG/WebP images after
/// `generationDelay`, serves them at `/image/ws/2/ii/<imageUUID>.<ext>`, POSTs one webhook per
/// result with Runware's retry policy, serves reference JPEGs at `/assets/inputs/<name>.jpg`,
/// and reports its state at `GET /sim/state`. Prompt markers (`SimulatorHook`) make it reject,
/// fail or corrupt on purpose; `SimulatorConfiguration.faults` (`FaultPlan`) injects faults at
/// random rates: missed, repeated, late or early webhooks, broken downloads, expiring URLs,
/// refused, hung or dropped submissions, and what the real service can send that a tidy one
/// would not (progress frames, the SDK's nested error items, 404/5xx to `getResponse`,
/// `taskFailedOrNotFound`, results out of order or after a client's deadline).
///
/// Lifecycle: `start()` once, `stop()` once; a stopped simulator cannot be restarted.
package final class RunwareSimulator: Sendable {
    /// The configuration it was created with.
    package let configuration: SimulatorConfiguration
    private let service: SimulatedRunware
    private let server: HTTPServer
    private let client: CurlHTTPClient

    /// Creates a simulator that is not yet listening.
    package init(configuration: SimulatorConfiguration = SimulatorConfiguration(), logger: Logger = Logger(label: "runware-sim")) {
        self.configuration = configuration
        let client = CurlHTTPClient(configuration: .init(threads: 4, userAgent: "runware-sim"), logger: logger)
        self.client = client
        let service = SimulatedRunware(
            configuration: configuration, transport: CurlWebhookTransport(client: client), logger: logger)
        self.service = service
        // KontextNet's server with its fault hook: answers can be cut short, stalled, held or never
        // sent. No grace on stop: stalled and held answers end when the simulator stops.
        self.server = HTTPServer(
            configuration: HTTPServerConfiguration(
                host: configuration.host, port: configuration.port, maxBodyBytes: configuration.maxBodyBytes,
                name: "runware-sim", stopGracePeriod: 0),
            faultingResponder: SimulatorResponder(service: service), logger: logger)
    }

    /// Binds and starts serving; returns the bound port (the chosen one when configured with 0).
    /// Throws when binding fails or when called a second time.
    package func start() async throws -> Int {
        let port = try await server.start()
        service.setPublicBaseURL(configuration.publicBaseURL.map(Self.trimmingTrailingSlash) ?? Self.localURL(host: configuration.host, port: port))
        return port
    }

    /// Stops accepting requests, closes open connections (ending stalled downloads and held
    /// answers), cancels pending generations and webhook retries, and releases the HTTP client.
    /// Safe to call when never started.
    package func stop() async {
        await service.stop()
        await server.stop()
        await client.shutdown()
    }

    /// The bound port while running, else nil.
    package var port: Int? { server.port }

    /// `http://<host>:<port>` of the running simulator (127.0.0.1 when bound to a wildcard
    /// address); empty before `start()`.
    package var baseURL: String {
        guard let port = server.port else { return "" }
        return Self.localURL(host: configuration.host, port: port)
    }

    /// The task endpoint, `<baseURL>/v1`, to configure a Runware client with.
    package var endpointURL: String { baseURL + "/v1" }

    // MARK: Inspection for tests

    /// Every image generated so far, in generation order, with the SHA-256 of the bytes served.
    package func generatedImages() -> [GeneratedImage] { service.generatedImages }

    /// Webhook delivery attempts so far, keyed by imageUUID (by taskUUID for a failure notice);
    /// retries count, so a receiver that answered 500 twice then 200 shows 3.
    package var webhookAttempts: [String: Int] { service.webhookAttempts }

    /// Every `imageInference` task element received with a valid API key, whatever its outcome
    /// (rejected, conflicting and re-sent ones included).
    package var submittedTaskCount: Int { service.submittedTaskCount }

    /// Tasks that passed validation and were run (each taskUUID once).
    package var acceptedTaskCount: Int { service.acceptedTaskCount }

    /// Every webhook attempt that ended, in the order they ended: which result (or failure
    /// notice), which copy and attempt, and the receiver's status or the transport error.
    package func webhookOutcomes() -> [WebhookOutcome] { service.webhookOutcomes }

    /// How many `imageInference` elements were received per taskUUID (lowercase), refused,
    /// conflicting and re-sent ones included.
    package var submissionsReceived: [String: Int] { service.submissionsReceived }

    /// How many times each taskUUID's generation was started (each accepted task once; a
    /// re-sent taskUUID answers `conflictTaskUUID` and is not run again).
    package var runCounts: [String: Int] { service.runCounts }

    /// How many times the task `taskUUID` was run (and paid for): 0 or 1.
    package func timesRun(_ taskUUID: String) -> Int { service.runCounts[taskUUID.lowercased()] ?? 0 }

    /// How many generations and webhook deliveries (retries included) are still under way; 0
    /// once the simulator has nothing more to send, which tests wait for instead of sleeping.
    package var workInFlight: Int { service.workInFlight }

    /// The fault plan in force: `configuration.faults` until `replaceFaults(_:)`.
    package var faults: FaultPlan { service.faults.plan }

    /// Puts another fault plan in force from now on, e.g. `.none` to let a chaos test heal and
    /// converge, or a harsher one; its random streams start afresh from its seed. Counts,
    /// expired URLs and webhooks already scheduled are kept.
    package func replaceFaults(_ plan: FaultPlan) { service.faults.replacePlan(plan) }

    /// How many of each fault actually happened, keyed by `FaultKind.rawValue`, every kind
    /// present (0 when it never happened).
    package func faultCounts() -> [String: Int] {
        Dictionary(uniqueKeysWithValues: service.faults.counts.map { ($0.key.rawValue, $0.value) })
    }

    /// The same state `GET /sim/state` serves: counts, images, webhook attempts and outcomes,
    /// submissions and runs per taskUUID, fault counts and tasks.
    package func stateReport() -> JSONValue { service.stateReport }

    /// Returns once no generation or webhook delivery (retries included) is running or due: the
    /// ledger has gone quiet. Tests await it before asserting that something did NOT happen.
    package func waitUntilQuiet() async { await service.waitUntilQuiet() }

    static func localURL(host: String, port: Int) -> String {
        switch host {
        case "0.0.0.0", "": return "http://127.0.0.1:\(port)"
        case "::", "[::]": return "http://[::1]:\(port)"
        default: return host.contains(":") && !host.hasPrefix("[") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)"
        }
    }

    static func trimmingTrailingSlash(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}
