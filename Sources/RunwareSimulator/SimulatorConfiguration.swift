/// Everything that shapes one simulator instance; every member has a documented default so
/// `SimulatorConfiguration()` gives a working simulator on a free local port.
package struct SimulatorConfiguration: Sendable {
    /// Address to bind. Default `127.0.0.1`.
    package var host: String
    /// Port to bind; 0 (the default) lets the system choose, `start()` returns the real one.
    package var port: Int
    /// The one API key accepted, by `Authorization: Bearer` or an `authentication` task.
    /// Default `sim-api-key`.
    package var apiKey: String
    /// Seconds between accepting a task and its first result. Default 0.2.
    package var generationDelay: Double
    /// Extra seconds before each further result of the same task, so polling can observe a
    /// task part-way. Default: a quarter of `generationDelay`.
    package var resultInterval: Double
    /// Shape of webhook bodies. Default `.bare`.
    package var webhookBodyVariant: WebhookBodyVariant
    /// Base of image URLs, e.g. `http://sim.example:8080`; nil (the default) uses the bound
    /// address (`http://127.0.0.1:<port>`, or 127.0.0.1 when bound to a wildcard address).
    package var publicBaseURL: String?
    /// Re-delivery of webhooks not answered with 2xx. Default: 250 ms doubling to 8 s,
    /// ±20 % jitter, 10 attempts.
    package var webhookRetry: WebhookRetryPolicy
    /// Seconds a webhook POST may take before it counts as failed. Default 5 (Runware's guide).
    package var webhookTimeout: Double
    /// USD reported per image when a task sets `includeCost`. Default 0.0143.
    package var costPerImage: Double
    /// Largest request body accepted, in bytes. Default 32 MiB (reference images may be inline).
    package var maxBodyBytes: Int
    /// Faults injected on purpose (missed webhooks, broken downloads, a flaky API). Default
    /// `.none`.
    package var faults: FaultPlan

    /// Creates a configuration; see each member for its default.
    package init(
        host: String = "127.0.0.1",
        port: Int = 0,
        apiKey: String = "sim-api-key",
        generationDelay: Double = 0.2,
        resultInterval: Double? = nil,
        webhookBodyVariant: WebhookBodyVariant = .bare,
        publicBaseURL: String? = nil,
        webhookRetry: WebhookRetryPolicy = WebhookRetryPolicy(),
        webhookTimeout: Double = 5,
        costPerImage: Double = 0.0143,
        maxBodyBytes: Int = 32 << 20,
        faults: FaultPlan = .none
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.generationDelay = generationDelay
        self.resultInterval = resultInterval ?? generationDelay / 4
        self.webhookBodyVariant = webhookBodyVariant
        self.publicBaseURL = publicBaseURL
        self.webhookRetry = webhookRetry
        self.webhookTimeout = webhookTimeout
        self.costPerImage = costPerImage
        self.maxBodyBytes = maxBodyBytes
        self.faults = faults
    }

    /// Convenience for the retry policy's attempt limit (default 10).
    package var maxWebhookAttempts: Int {
        get { webhookRetry.maximumAttempts }
        set { webhookRetry.maximumAttempts = newValue }
    }
}
