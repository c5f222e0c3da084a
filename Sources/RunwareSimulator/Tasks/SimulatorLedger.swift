import KontextCore

/// All mutable state of one simulator, kept behind a single lock by `SimulatedRunware`: the
/// task UUIDs seen, accepted tasks, served images and their URLs, webhook attempts and
/// outcomes, and running work.
struct SimulatorLedger: Sendable {
    /// Every taskUUID accepted so far (lowercase); a repeat is `conflictTaskUUID`.
    var seenTaskUUIDs: Set<String> = []
    var tasks: [String: SimulatedTask] = [:]
    var images: [String: ServedImage] = [:]
    /// Every URL issued per imageUUID (URL outputs only).
    var imageURLs: [String: ImageURLHistory] = [:]
    var generated: [GeneratedImage] = []
    /// Delivery attempts per imageUUID (per taskUUID for a failure notice).
    var webhookAttempts: [String: Int] = [:]
    /// Every webhook attempt's outcome, in the order they ended.
    var webhookOutcomes: [WebhookOutcome] = []
    /// Webhook bodies scheduled per taskUUID (copies count), and attempts ended per taskUUID:
    /// what a held acknowledgement waits on.
    var webhooksScheduled: [String: Int] = [:]
    var webhookAttemptsEnded: [String: Int] = [:]
    /// Every `imageInference` element received after authentication, whatever became of it.
    var submittedTaskCount = 0
    /// The same, per taskUUID (lowercase).
    var submissionsReceived: [String: Int] = [:]
    /// How many times each taskUUID's generation was started; a correct simulator never
    /// exceeds 1, and tests assert it.
    var runCounts: [String: Int] = [:]
    /// Tasks that passed validation and were run.
    var acceptedTaskCount = 0
    /// Reference JPEGs already painted, by asset name.
    var referenceAssets: [String: [UInt8]] = [:]
    /// Base of image URLs, known once the server is bound.
    var publicBaseURL = ""
    /// Generations and webhook deliveries still running, cancelled by `stop()`.
    var running: [Int: Task<Void, Never>] = [:]
    var nextWorkID = 0
    var isStopped = false
}
