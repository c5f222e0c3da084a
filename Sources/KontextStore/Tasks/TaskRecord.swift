import KontextCore

/// A task as stored: what was asked, where it stands, and when things happened.
package struct TaskRecord: Sendable, Hashable {
    /// The task UUID (primary key).
    package var taskUUID: String
    /// The current state.
    package var state: TaskState
    /// The client's canonical request JSON.
    package var requestJSON: String
    /// Lowercase hex SHA-256 of `requestJSON`.
    package var requestHash: String
    /// The Runware payload (without `webhookURL`).
    package var payloadJSON: String
    /// How many results the task asks for.
    package var numberResults: Int
    /// The requested image format.
    package var outputFormat: OutputFormat
    /// How Runware returns images for this task.
    package var outputType: OutputType
    /// The requested size, when known.
    package var expectedSize: ImageSize?
    /// When the task was recorded (seconds since 1970).
    package var createdAt: Double
    /// When the record last changed.
    package var updatedAt: Double
    /// When Runware first acknowledged it, if it has.
    package var submittedAt: Double?
    /// When it reached a final state, if it has.
    package var finishedAt: Double?
    /// How many times it was acknowledged as sent to Runware.
    package var submitAttempts: Int
    /// The error code that made it fail or be rejected, if any.
    package var errorCode: String?
    /// The error message that goes with `errorCode`.
    package var errorMessage: String?
    /// Sends that failed without a verdict from Runware (429, 5xx, timeouts, dropped connections).
    package var submitFailures: Int = 0
    /// True when a send may have reached Runware without its answer reaching us: before sending
    /// again, ask `getResponse` whether Runware already has the task (never pay twice).
    package var submissionUncertain: Bool = false
    /// When the reconciler last asked Runware about this task.
    package var lastPolledAt: Double? = nil
    /// Why the task is held (state `held`): the budget limit its estimated cost would cross.
    package var heldReason: String? = nil
    /// How many times kontextd POSTed the task to Runware (counted before each send, so a crash
    /// mid-send still counts): `conflictTaskUUID` proves acceptance only when this was > 0 before the send.
    package var sendCount: Int = 0
    /// How many times the reconciler asked Runware about it, whatever came back.
    package var pollCount: Int = 0
    /// What the last poll found, e.g. `200: still running` or `404`.
    package var lastPollOutcome: String? = nil
    /// The last poll's error (transport error, unexpected status, unreadable body), nil when it was answered.
    package var lastPollError: String? = nil
    /// True when `getResponse` answered `taskFailedOrNotFound` after an unanswered send and the
    /// task was sent again: a `conflictTaskUUID` then means it ran and failed, not "accepted".
    package var resentAfterFailedOrNotFound: Bool = false

    /// Creates a record (the store builds these from rows).
    package init(
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
package struct TaskDetail: Sendable, Hashable {
    /// The task.
    package var task: TaskRecord
    /// Its results, in the order received.
    package var results: [ResultRecord]
    /// Errors reported for it, in the order recorded.
    package var errors: [TaskErrorRecord]
    /// Items of Runware bodies about it that kontextd could not read, in the order received.
    package var unrecognised: [UnrecognisedItemRecord]

    /// Creates a detail view.
    package init(task: TaskRecord, results: [ResultRecord], errors: [TaskErrorRecord], unrecognised: [UnrecognisedItemRecord] = []) {
        self.task = task
        self.results = results
        self.errors = errors
        self.unrecognised = unrecognised
    }
}

/// An error Runware reported for a task (a refused submission or a failed generation).
package struct TaskErrorRecord: Sendable, Hashable {
    /// Row id, in recording order.
    package var id: Int64
    /// The task concerned.
    package var taskUUID: String
    /// Runware's error code.
    package var code: String
    /// Runware's message.
    package var message: String
    /// The request parameter blamed, when Runware named one.
    package var parameter: String?
    /// The error object's raw JSON.
    package var rawJSON: String
    /// When it was recorded.
    package var recordedAt: Double

    /// Creates a record (the store builds these from rows).
    package init(
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
package struct UnrecognisedItemRecord: Sendable, Hashable {
    /// Row id, in arrival order.
    package var id: Int64
    /// The task concerned.
    package var taskUUID: String
    /// Which kind of body it came in.
    package var source: DeliverySource
    /// Where it was in the body (`body`, `data[2]`, ...).
    package var place: String
    /// Why it could not be read.
    package var reason: String
    /// The item as received.
    package var rawJSON: String
    /// When it arrived.
    package var receivedAt: Double

    /// Creates a record (the store builds these from rows).
    package init(
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
