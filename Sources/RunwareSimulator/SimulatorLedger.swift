import KontextCore

/// All mutable state of one simulator, kept behind a single lock by `SimulatedRunware`: the
/// task UUIDs seen, accepted tasks, served images, webhook attempts and running work.
struct SimulatorLedger: Sendable {
    /// Every taskUUID accepted so far (lowercase); a repeat is `conflictTaskUUID`.
    var seenTaskUUIDs: Set<String> = []
    var tasks: [String: SimulatedTask] = [:]
    var images: [String: ServedImage] = [:]
    var generated: [GeneratedImage] = []
    /// Delivery attempts per imageUUID (per taskUUID for a failure notice).
    var webhookAttempts: [String: Int] = [:]
    /// Every `imageInference` element received after authentication, whatever became of it.
    var submittedTaskCount = 0
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
