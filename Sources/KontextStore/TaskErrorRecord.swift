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
