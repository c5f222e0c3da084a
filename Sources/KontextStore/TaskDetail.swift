/// Everything known about one task: the task, its results and the errors reported for it.
public struct TaskDetail: Sendable, Hashable {
    /// The task.
    public var task: TaskRecord
    /// Its results, in the order received.
    public var results: [ResultRecord]
    /// Errors reported for it, in the order recorded.
    public var errors: [TaskErrorRecord]

    /// Creates a detail view.
    public init(task: TaskRecord, results: [ResultRecord], errors: [TaskErrorRecord]) {
        self.task = task
        self.results = results
        self.errors = errors
    }
}
