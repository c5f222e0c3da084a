import KontextCore

/// A result image announced by Runware (webhook, submission response or poll), not yet stored.
public struct IncomingResult: Sendable, Hashable {
    /// Runware's image UUID; a second announcement of the same UUID is a duplicate.
    public var imageUUID: String
    /// The task it belongs to.
    public var taskUUID: String
    /// How the image came: URL, base64 data or data URI.
    public var sourceKind: OutputType
    /// The URL or the inline data.
    public var sourceValue: String
    /// The seed, when reported.
    public var seed: UInt64?
    /// The NSFW flag, when reported.
    public var nsfw: Bool?
    /// The cost, when reported.
    public var cost: Double?
    /// The result object's raw JSON.
    public var rawJSON: String

    /// Creates an incoming result.
    public init(
        imageUUID: String, taskUUID: String, sourceKind: OutputType, sourceValue: String,
        seed: UInt64?, nsfw: Bool?, cost: Double?, rawJSON: String
    ) {
        self.imageUUID = imageUUID
        self.taskUUID = taskUUID
        self.sourceKind = sourceKind
        self.sourceValue = sourceValue
        self.seed = seed
        self.nsfw = nsfw
        self.cost = cost
        self.rawJSON = rawJSON
    }
}

/// A failure Runware reported for a task in a delivery.
public struct IncomingFailure: Sendable, Hashable {
    /// The task concerned.
    public var taskUUID: String
    /// Runware's error code.
    public var code: String
    /// Runware's message.
    public var message: String
    /// The parameter blamed, when named.
    public var parameter: String?
    /// The error object's raw JSON; an identical failure delivered again is a duplicate.
    public var rawJSON: String

    /// Creates an incoming failure.
    public init(taskUUID: String, code: String, message: String, parameter: String?, rawJSON: String) {
        self.taskUUID = taskUUID
        self.code = code
        self.message = message
        self.parameter = parameter
        self.rawJSON = rawJSON
    }
}

/// An item of a delivery kontextd could not read (see `RunwareEnvelope`), to keep beside its task.
public struct IncomingUnrecognised: Sendable, Hashable {
    /// Where it was in the body.
    public var place: String
    /// Why it could not be read.
    public var reason: String
    /// The item's raw JSON; the same item delivered again is kept once.
    public var rawJSON: String

    /// Creates an incoming unrecognised item.
    public init(place: String, reason: String, rawJSON: String) {
        self.place = place
        self.reason = reason
        self.rawJSON = rawJSON
    }
}

/// Where a delivery of results or failures came from.
public enum DeliverySource: String, Sendable, Hashable, CaseIterable, Codable {
    /// A webhook POST from Runware.
    case webhook
    /// The response to the submission request itself.
    case submitResponse
    /// A `getResponse` poll.
    case poll
}

/// Why a distinct result was not taken: the task asked for fewer, or is over.
public enum ResultRefusal: String, Sendable, Hashable, CaseIterable {
    /// The task already has `numberResults` distinct results.
    case resultLimit = "results_exceed_task"
    /// The task is completed, failed or rejected.
    case taskFinal = "task_final"
}

/// What `TaskStore.recordDelivery` kept from a delivery.
public struct DeliveryOutcome: Sendable, Hashable {
    /// Image UUIDs seen for the first time (now pending).
    public var newResults: [String]
    /// Image UUIDs already known; nothing new was stored for them.
    public var duplicateResults: [String]
    /// Distinct image UUIDs not taken (beyond `numberResults`, or for a final task): not fetched,
    /// not counted, only noted in the bounded `refused_results` ring.
    public var refusedResults: [String]
    /// Why `refusedResults` were refused (the first reason, when there are any).
    public var refusal: ResultRefusal?
    /// Failures recorded for the first time.
    public var failuresRecorded: Int
    /// Unrecognised items kept for the first time.
    public var unrecognisedRecorded: Int = 0
    /// The task's state after the delivery.
    public var state: TaskState

    /// True when the delivery's raw body was kept (it carried something new).
    public var storedAnything: Bool { !newResults.isEmpty || failuresRecorded > 0 }

    /// Creates an outcome.
    public init(
        newResults: [String], duplicateResults: [String], refusedResults: [String] = [], refusal: ResultRefusal? = nil,
        failuresRecorded: Int, state: TaskState
    ) {
        self.newResults = newResults
        self.duplicateResults = duplicateResults
        self.refusedResults = refusedResults
        self.refusal = refusal
        self.failuresRecorded = failuresRecorded
        self.state = state
    }
}

/// A result the store refused, as the `refused_results` ring keeps it.
public struct RefusedResult: Sendable, Hashable {
    public var taskUUID: String
    public var imageUUID: String
    public var reason: ResultRefusal
    public var source: DeliverySource
    public var sourceKind: OutputType
    /// The image URL (cut to 2,048 characters); nil for inline data, which is never kept.
    public var url: String?
    public var receivedAt: Double
}
