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
    /// Why the task is held (state `held`): the budget limit its estimated cost would cross.
    public var heldReason: String? = nil
    /// How many times kontextd POSTed the task to Runware (counted before each send, so a crash
    /// mid-send still counts): `conflictTaskUUID` proves acceptance only when this was > 0 before the send.
    public var sendCount: Int = 0
    /// How many times the reconciler asked Runware about it, whatever came back.
    public var pollCount: Int = 0
    /// What the last poll found, e.g. `200: still running` or `404`.
    public var lastPollOutcome: String? = nil
    /// The last poll's error (transport error, unexpected status, unreadable body), nil when it was answered.
    public var lastPollError: String? = nil
    /// True when `getResponse` answered `taskFailedOrNotFound` after an unanswered send and the
    /// task was sent again: a `conflictTaskUUID` then means it ran and failed, not "accepted".
    public var resentAfterFailedOrNotFound: Bool = false

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

/// Everything known about one task: the task, its results and the errors reported for it.
public struct TaskDetail: Sendable, Hashable {
    /// The task.
    public var task: TaskRecord
    /// Its results, in the order received.
    public var results: [ResultRecord]
    /// Errors reported for it, in the order recorded.
    public var errors: [TaskErrorRecord]
    /// Items of Runware bodies about it that kontextd could not read, in the order received.
    public var unrecognised: [UnrecognisedItemRecord]

    /// Creates a detail view.
    public init(task: TaskRecord, results: [ResultRecord], errors: [TaskErrorRecord], unrecognised: [UnrecognisedItemRecord] = []) {
        self.task = task
        self.results = results
        self.errors = errors
        self.unrecognised = unrecognised
    }
}

/// An error Runware reported for a task (a refused submission or a failed generation).
public struct TaskErrorRecord: Sendable, Hashable {
    /// Row id, in recording order.
    public var id: Int64
    /// The task concerned.
    public var taskUUID: String
    /// Runware's error code.
    public var code: String
    /// Runware's message.
    public var message: String
    /// The request parameter blamed, when Runware named one.
    public var parameter: String?
    /// The error object's raw JSON.
    public var rawJSON: String
    /// When it was recorded.
    public var recordedAt: Double

    /// Creates a record (the store builds these from rows).
    public init(
        id: Int64, taskUUID: String, code: String, message: String, parameter: String?, rawJSON: String,
        recordedAt: Double
    ) {
        self.id = id
        self.taskUUID = taskUUID
        self.code = code
        self.message = message
        self.parameter = parameter
        self.rawJSON = rawJSON
        self.recordedAt = recordedAt
    }
}

/// An item of a Runware body (webhook, poll or submission answer) that kontextd could not read,
/// kept beside its task so users can see what Runware sent.
public struct UnrecognisedItemRecord: Sendable, Hashable {
    /// Row id, in arrival order.
    public var id: Int64
    /// The task concerned.
    public var taskUUID: String
    /// Which kind of body it came in.
    public var source: DeliverySource
    /// Where it was in the body (`body`, `data[2]`, ...).
    public var place: String
    /// Why it could not be read.
    public var reason: String
    /// The item as received.
    public var rawJSON: String
    /// When it arrived.
    public var receivedAt: Double

    /// Creates a record (the store builds these from rows).
    public init(
        id: Int64, taskUUID: String, source: DeliverySource, place: String, reason: String, rawJSON: String,
        receivedAt: Double
    ) {
        self.id = id
        self.taskUUID = taskUUID
        self.source = source
        self.place = place
        self.reason = reason
        self.rawJSON = rawJSON
        self.receivedAt = receivedAt
    }
}
