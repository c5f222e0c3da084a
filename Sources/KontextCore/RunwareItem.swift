/// One thing a Runware body says about a task: an image, a failure, or "not done yet".
public enum RunwareItem: Sendable, Hashable {
    /// A finished image.
    case result(ImageResult)
    /// A failure scoped to a task (or to the whole request when it names no task).
    case failure(RunwareError)
    /// An acknowledgement or a still-running generation: `status` processing, pending or any
    /// other non-terminal value, or a bare `{taskType, taskUUID}`.
    case pending(taskUUID: String, taskType: String?, status: String?)
}
