/// Who sent a task object; the same schema is enforced with different platform rules.
public enum TaskOrigin: Sendable, Hashable {
    /// A kontextd client: `taskUUID` is optional (an idempotency key), `taskType` may be omitted,
    /// `webhookURL` must be absent (kontextd sets it), `deliveryMethod` may only be `async`.
    case client
    /// Runware (or its simulator) receiving a task: `taskType` and `taskUUID` are required,
    /// `webhookURL` is allowed and `deliveryMethod` may be `sync` or `async`.
    case runware
}
