/// One page of tasks, oldest first, and where the next page starts.
public struct TaskPage: Sendable, Hashable {
    /// The tasks of this page, ordered by creation time then task UUID.
    public var tasks: [TaskRecord]
    /// Pass as `after` to get the next page; nil when this page is the last.
    public var nextCursor: String?

    /// Creates a page.
    public init(tasks: [TaskRecord], nextCursor: String?) {
        self.tasks = tasks
        self.nextCursor = nextCursor
    }
}
