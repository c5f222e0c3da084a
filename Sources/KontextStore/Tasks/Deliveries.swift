import KontextCore

/// A result image announced by Runware (webhook, submission response or poll), not yet stored.
package struct IncomingResult: Sendable, Hashable {
    /// Runware's image UUID; a second announcement of the same UUID is a duplicate.
    package var imageUUID: String
    /// The task it belongs to.
    package var taskUUID: String
    /// How the image came: URL, base64 data or data URI.
    package var sourceKind: OutputType
    /// The URL or the inline data.
    package var sourceValue: String
    /// The seed, when reported.
    package var seed: UInt64?
    /// The NSFW flag, when reported.
    package var nsfw: Bool?
    /// The cost, when reported.
    package var cost: Double?
    /// The result object's raw JSON.
    package var rawJSON: String

    /// Creates an incoming result.
    package init(
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
package struct IncomingFailure: Sendable, Hashable {
    /// The task concerned.
    package var taskUUID: String
    /// Runware's error code.
    package var code: String
    /// Runware's message.
    package var message: String
    /// The parameter blamed, when named.
    package var parameter: String?
    /// The error object's raw JSON; an identical failure delivered again is a duplicate.
    package var rawJSON: String

    /// Creates an incoming failure.
    package init(taskUUID: String, code: String, message: String, parameter: String?, rawJSON: String) {
        self.taskUUID = taskUUID
        self.code = code
        self.message = message
        self.parameter = parameter
        self.rawJSON = rawJSON
    }
}

/// An item of a delivery kontextd could not read (see `RunwareEnvelope`), to keep beside its task.
package struct IncomingUnrecognised: Sendable, Hashable {
    /// Where it was in the body.
    package var place: String
    /// Why it could not be read.
    package var reason: String
    /// The item's raw JSON; the same item delivered again is kept once.
    package var rawJSON: String

    /// Creates an incoming unrecognised item.
    package init(place: String, reason: String, rawJSON: String) {
        self.place = place
        self.reason = reason
        self.rawJSON = rawJSON
    }
}

/// Where a delivery of results or failures came from.
package enum DeliverySource: String, Sendable, Hashable, CaseIterable, Codable {
    /// A webhook POST from Runware.
    case webhook
    /// The response to the submission request itself.
    case submitResponse
    /// A `getResponse` poll.
    case poll
}

/// Why a distinct result was not taken: the task asked for fewer, or is over.
package enum ResultRefusal: String, Sendable, Hashable, CaseIterable {
    /// The task already has `numberResults` distinct results.
    case resultLimit = "results_exceed_task"
    /// The task is completed, failed or rejected.
    case taskFinal = "task_final"
}

/// What `TaskStore.recordDelivery` kept from a delivery.
package struct DeliveryOutcome: Sendable, Hashable {
    /// Image UUIDs seen for the first time (now pending).
    package var newResults: [String]
    /// Image UUIDs already known; nothing new was stored for them.
    package var duplicateResults: [String]
    /// Distinct image UUIDs not taken (beyond `numberResults`, or for a final task): not fetched,
    /// not counted, only noted in the bounded `refused_results` ring.
    package var refusedResults: [String]
    /// Why `refusedResults` were refused (the first reason, when there are any).
    package var refusal: ResultRefusal?
    /// Failures recorded for the first time.
    package var failuresRecorded: Int
    /// Unrecognised items kept for the first time.
    package var unrecognisedRecorded: Int = 0
    /// The task's state after the delivery.
    package var state: TaskState

    /// True when the delivery's raw body was kept (it carried something new).
    package var storedAnything: Bool { !newResults.isEmpty || failuresRecorded > 0 }

    /// Creates an outcome.
    package init(
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
package struct RefusedResult: Sendable, Hashable {
    package var taskUUID: String
    package var imageUUID: String
    package var reason: ResultRefusal
    package var source: DeliverySource
    package var sourceKind: OutputType
    /// The image URL (cut to 2,048 characters); nil for inline data, which is never kept.
    package var url: String?
    package var receivedAt: Double
}
