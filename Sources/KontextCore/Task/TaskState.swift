/// Where a task is in its life. Stored as the raw value; the state machine says which moves are legal.
package enum TaskState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Validated and durably recorded; not yet sent to Runware.
    case queued
    /// Not sent because its estimated cost would take spend over a `budget` limit; sent once the
    /// day turns or the limit is raised (the reason is kept with the task).
    case held
    /// Runware acknowledged it; results are expected by webhook.
    case submitted
    /// Every one of `numberResults` results is stored and verified.
    case completed
    /// Runware reported the task failed, or a result could not be fetched or verified.
    case failed
    /// Runware refused the task when it was submitted (its code and message are kept).
    case rejected

    /// True when no further transition is possible.
    package var isFinal: Bool {
        switch self {
        case .queued, .held, .submitted: return false
        case .completed, .failed, .rejected: return true
        }
    }
}

/// Who sent a task object; the same schema is enforced with different platform rules.
package enum TaskOrigin: Sendable, Hashable {
    /// A kontextd client: `taskUUID` is optional (an idempotency key), `taskType` may be omitted,
    /// `webhookURL` must be absent (kontextd sets it), `deliveryMethod` may only be `async`.
    case client
    /// Runware (or its simulator) receiving a task: `taskType` and `taskUUID` are required,
    /// `webhookURL` is allowed and `deliveryMethod` may be `sync` or `async`.
    case runware
}
