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
