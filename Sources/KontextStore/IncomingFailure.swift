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
