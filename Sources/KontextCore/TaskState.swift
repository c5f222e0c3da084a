/// Where a task is in its life. Stored as the raw value; the state machine says which moves are legal.
public enum TaskState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Validated and durably recorded; not yet sent to Runware.
    case queued
    /// Runware acknowledged it; results are expected by webhook.
    case submitted
    /// Every one of `numberResults` results is stored and verified.
    case completed
    /// Runware reported the task failed, or a result could not be fetched or verified.
    case failed
    /// Runware refused the task when it was submitted (its code and message are kept).
    case rejected

    /// True when no further transition is possible.
    public var isFinal: Bool {
        switch self {
        case .queued, .submitted: return false
        case .completed, .failed, .rejected: return true
        }
    }
}
