import KontextCore

/// What the recovery paths need: failed and uncertain sends, overdue tasks to poll, refreshed
/// image URLs, and the count of repairs (results that only a poll found).
extension TaskStore {
    /// Records a send that got no verdict for these queued tasks; returns each task's failure
    /// count afterwards. `uncertain` marks sends that may have reached Runware (a timeout or a
    /// dropped connection after sending): such a task is asked about before it is sent again.
    @discardableResult
    public func recordSubmitFailure(_ taskUUIDs: [String], uncertain: Bool, at time: Double) async throws(StoreError) -> [String: Int] {
        try await write("recordSubmitFailure") { (db) throws(StoreError) -> [String: Int] in
            var counts: [String: Int] = [:]
            for uuid in taskUUIDs {
                let changed = try db.run(
                    """
                    UPDATE tasks SET submit_failures = submit_failures + 1, updated_at = ?,
                        submission_uncertain = MAX(submission_uncertain, ?)
                    WHERE task_uuid = ?
                    """,
                    [.double(time), .integer(uncertain ? 1 : 0), .text(uuid)])
                guard changed == 1 else { throw StoreError.notFound("task", key: uuid, operation: "recordSubmitFailure") }
                counts[uuid] = try db.queryFirst("SELECT submit_failures FROM tasks WHERE task_uuid = ?", [.text(uuid)]) {
                    $0["submit_failures"]
                } ?? 0
            }
            return counts
        }
    }

    /// Records that Runware does not have this task after an uncertain send: it may be sent again.
    public func clearSubmissionUncertain(_ taskUUID: String) async throws(StoreError) {
        try await write("clearSubmissionUncertain") { (db) throws(StoreError) in
            try db.run("UPDATE tasks SET submission_uncertain = 0 WHERE task_uuid = ?", [.text(taskUUID)])
        }
    }

    /// Fails a task kontextd gave up on (for example after its submission budget), keeping the
    /// reason as an error; returns the state afterwards (a final task keeps its state).
    @discardableResult
    public func failTask(_ taskUUID: String, code: String, message: String, at time: Double) async throws(StoreError) -> TaskState {
        try await write("failTask") { (db) throws(StoreError) -> TaskState in
            let current = try Self.requireTaskState(taskUUID, in: db, operation: "failTask")
            let change = try Self.plan(taskUUID: taskUUID, operation: "failTask") { () throws(InvalidTransition) in
                try TaskTransitions.givingUp(
                    from: current.state, numberResults: current.numberResults,
                    error: TaskFailureSummary(code: code, message: message))
            }
            try Self.insertError(taskUUID: taskUUID, code: code, message: message, parameter: nil, rawJSON: "{}", at: time, in: db)
            try Self.apply(change, to: taskUUID, at: time, in: db)
            return change.to
        }
    }

    /// Submitted tasks whose results are overdue: submitted before `submittedBefore`, not polled
    /// since `polledBefore`, oldest submission first.
    public func overdueTasks(submittedBefore: Double, polledBefore: Double, limit: Int) async throws(StoreError) -> [TaskRecord] {
        try await read("overdueTasks") { (db) throws(StoreError) -> [TaskRecord] in
            try db.query(
                """
                SELECT \(RowDecoding.taskColumns) FROM tasks
                WHERE state = 'submitted' AND submitted_at < ? AND (last_polled_at IS NULL OR last_polled_at < ?)
                ORDER BY submitted_at LIMIT ?
                """,
                [.double(submittedBefore), .double(polledBefore), .integer(Int64(max(0, limit)))]
            ) { (row) throws(StoreError) in try RowDecoding.task(row, operation: "overdueTasks") }
        }
    }

    /// Queued tasks whose last send was uncertain, oldest first.
    public func uncertainTasks(limit: Int) async throws(StoreError) -> [TaskRecord] {
        try await read("uncertainTasks") { (db) throws(StoreError) -> [TaskRecord] in
            try db.query(
                """
                SELECT \(RowDecoding.taskColumns) FROM tasks
                WHERE state = 'queued' AND submission_uncertain = 1 ORDER BY created_at, rowid LIMIT ?
                """,
                [.integer(Int64(max(0, limit)))]
            ) { (row) throws(StoreError) in try RowDecoding.task(row, operation: "uncertainTasks") }
        }
    }

    /// Records that the reconciler asked Runware about these tasks at `time`.
    public func markPolled(_ taskUUIDs: [String], at time: Double) async throws(StoreError) {
        try await write("markPolled") { (db) throws(StoreError) in
            for uuid in taskUUIDs {
                try db.run("UPDATE tasks SET last_polled_at = ? WHERE task_uuid = ?", [.double(time), .text(uuid)])
            }
        }
    }

    /// Replaces a pending result's image URL with a fresh one from Runware (the old one expired):
    /// its fetch attempts start again and `refetches` grows by one. Returns the new refetch count;
    /// throws `.notFound` for an unknown image, `.invalidInput` for a result that is not pending.
    @discardableResult
    public func replaceResultSource(imageUUID: String, sourceValue: String) async throws(StoreError) -> Int {
        try await write("replaceResultSource") { (db) throws(StoreError) -> Int in
            guard let state: String = try db.queryFirst("SELECT state FROM results WHERE image_uuid = ?", [.text(imageUUID)], row: { $0["state"] }) else {
                throw StoreError.notFound("result", key: imageUUID, operation: "replaceResultSource")
            }
            guard state == ResultState.pending.rawValue else {
                throw StoreError.invalidInput("result \(imageUUID) is \(state), not pending", operation: "replaceResultSource")
            }
            try db.run(
                "UPDATE results SET source_value = ?, fetch_attempts = 0, refetches = refetches + 1 WHERE image_uuid = ?",
                [.text(sourceValue), .text(imageUUID)])
            return try db.queryFirst("SELECT refetches FROM results WHERE image_uuid = ?", [.text(imageUUID)]) { $0["refetches"] } ?? 0
        }
    }

    /// How many results reached the daemon only through the reconciler's polling: each one is a
    /// webhook that was lost (or never sent) and a result that would otherwise have been missed.
    public func repairCount() async throws(StoreError) -> Int {
        try await read("repairCount") { (db) throws(StoreError) -> Int in
            try db.queryFirst("SELECT COUNT(*) AS repairs FROM results WHERE received_via = 'poll'", [], row: { $0["repairs"] }) ?? 0
        }
    }
}
