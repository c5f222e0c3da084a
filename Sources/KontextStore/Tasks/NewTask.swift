import KontextCore

/// A validated task to record before it is sent to Runware.
public struct NewTask: Sendable, Hashable {
    /// The client-chosen (or generated) task UUID, the idempotency key.
    public var taskUUID: String
    /// The client's request in canonical JSON (sorted keys); its SHA-256 detects conflicting resends.
    public var requestJSON: String
    /// The Runware task payload to submit, without `webhookURL` (added at send time).
    public var payloadJSON: String
    /// How many images the task asks for.
    public var numberResults: Int
    /// The requested image format.
    public var outputFormat: OutputFormat
    /// How Runware should return images.
    public var outputType: OutputType
    /// The output size requested, when the request named one.
    public var expectedSize: ImageSize?

    /// Creates a new task description.
    public init(
        taskUUID: String, requestJSON: String, payloadJSON: String, numberResults: Int,
        outputFormat: OutputFormat, outputType: OutputType, expectedSize: ImageSize?
    ) {
        self.taskUUID = taskUUID
        self.requestJSON = requestJSON
        self.payloadJSON = payloadJSON
        self.numberResults = numberResults
        self.outputFormat = outputFormat
        self.outputType = outputType
        self.expectedSize = expectedSize
    }
}

/// What `TaskStore.enqueue` did with a task.
public enum EnqueueOutcome: Sendable, Hashable {
    /// The task was new and is now recorded as queued.
    case created(TaskRecord)
    /// A task with this UUID and the same request already exists (an idempotent resend).
    case existing(TaskRecord)
    /// A task with this UUID exists with a different request; nothing was changed.
    case conflict(TaskRecord)

    /// The stored task, whichever the outcome.
    public var task: TaskRecord {
        switch self {
        case .created(let task), .existing(let task), .conflict(let task): return task
        }
    }
}
