import KontextCore

/// A task as stored: what was asked, where it stands, and when things happened.
public struct TaskRecord: Sendable, Hashable {
    /// The task UUID (primary key).
    public var taskUUID: String
    /// The current state.
    public var state: TaskState
    /// The client's canonical request JSON.
    public var requestJSON: String
    /// Lowercase hex SHA-256 of `requestJSON`.
    public var requestHash: String
    /// The Runware payload (without `webhookURL`).
    public var payloadJSON: String
    /// How many results the task asks for.
    public var numberResults: Int
    /// The requested image format.
    public var outputFormat: OutputFormat
    /// How Runware returns images for this task.
    public var outputType: OutputType
    /// The requested size, when known.
    public var expectedSize: ImageSize?
    /// When the task was recorded (seconds since 1970).
    public var createdAt: Double
    /// When the record last changed.
    public var updatedAt: Double
    /// When Runware first acknowledged it, if it has.
    public var submittedAt: Double?
    /// When it reached a final state, if it has.
    public var finishedAt: Double?
    /// How many times it was acknowledged as sent to Runware.
    public var submitAttempts: Int
    /// The error code that made it fail or be rejected, if any.
    public var errorCode: String?
    /// The error message that goes with `errorCode`.
    public var errorMessage: String?
    /// Sends that failed without a verdict from Runware (429, 5xx, timeouts, dropped connections).
    public var submitFailures: Int = 0
    /// True when a send may have reached Runware without its answer reaching us: before sending
    /// again, ask `getResponse` whether Runware already has the task (never pay twice).
    public var submissionUncertain: Bool = false
    /// When the reconciler last asked Runware about this task.
    public var lastPolledAt: Double? = nil

    /// Creates a record (the store builds these from rows).
    public init(
        taskUUID: String, state: TaskState, requestJSON: String, requestHash: String, payloadJSON: String,
        numberResults: Int, outputFormat: OutputFormat, outputType: OutputType, expectedSize: ImageSize?,
        createdAt: Double, updatedAt: Double, submittedAt: Double?, finishedAt: Double?, submitAttempts: Int,
        errorCode: String?, errorMessage: String?
    ) {
        self.taskUUID = taskUUID
        self.state = state
        self.requestJSON = requestJSON
        self.requestHash = requestHash
        self.payloadJSON = payloadJSON
        self.numberResults = numberResults
        self.outputFormat = outputFormat
        self.outputType = outputType
        self.expectedSize = expectedSize
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.submittedAt = submittedAt
        self.finishedAt = finishedAt
        self.submitAttempts = submitAttempts
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}
