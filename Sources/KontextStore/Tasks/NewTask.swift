import KontextCore

/// A validated task to record before it is sent to Runware.
package struct NewTask: Sendable, Hashable {
    /// The client-chosen (or generated) task UUID, the idempotency key.
    package var taskUUID: String
    /// The client's request in canonical JSON (sorted keys); its SHA-256 detects conflicting resends.
    package var requestJSON: String
    /// The Runware task payload to submit, without `webhookURL` (added at send time).
    package var payloadJSON: String
    /// How many images the task asks for.
    package var numberResults: Int
    /// The requested image format.
    package var outputFormat: OutputFormat
    /// How Runware should return images.
    package var outputType: OutputType
    /// The output size requested, when the request named one.
    package var expectedSize: ImageSize?

    /// Creates a new task description.
    package init(
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
package enum EnqueueOutcome: Sendable, Hashable {
    /// The task was new and is now recorded as queued.
    case created(TaskRecord)
    /// A task with this UUID and the same request already exists (an idempotent resend).
    case existing(TaskRecord)
    /// A task with this UUID exists with a different request; nothing was changed.
    case conflict(TaskRecord)

    /// The stored task, whichever the outcome.
    package var task: TaskRecord {
        switch self {
        case .created(let task), .existing(let task), .conflict(let task): return task
        }
    }
}
