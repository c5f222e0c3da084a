/// One page of tasks, oldest first, and where the next page starts.
package struct TaskPage: Sendable, Hashable {
    /// The tasks of this page, ordered by creation time then task UUID.
    package var tasks: [TaskRecord]
    /// Pass as `after` to get the next page; nil when this page is the last.
    package var nextCursor: String?

    /// Creates a page.
    package init(tasks: [TaskRecord], nextCursor: String?) {
        self.tasks = tasks
        self.nextCursor = nextCursor
    }
}

/// The position after which a page of tasks starts: (created_at, task_uuid) of the last task seen.
///
/// Encoded as `<created_at bit pattern in hex>:<task UUID>` so the time survives the round trip
/// exactly; callers treat it as opaque.
struct TaskPageCursor: Hashable {
    var createdAt: Double
    var taskUUID: String

    init(createdAt: Double, taskUUID: String) {
        self.createdAt = createdAt
        self.taskUUID = taskUUID
    }

    init?(encoded: String) {
        guard let colon = encoded.firstIndex(of: ":"),
            let bits = UInt64(encoded[..<colon], radix: 16)
        else { return nil }
        let uuid = String(encoded[encoded.index(after: colon)...])
        guard !uuid.isEmpty else { return nil }
        self.init(createdAt: Double(bitPattern: bits), taskUUID: uuid)
    }

    var encoded: String { String(createdAt.bitPattern, radix: 16) + ":" + taskUUID }
}
