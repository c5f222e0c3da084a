import KontextCore

/// What the recovery paths need: failed and uncertain sends, overdue tasks to poll, refreshed
/// image URLs, and the count of repairs (results that only a poll found).
extension TaskStore {
    /// Records a send that got no verdict for these queued tasks; returns each task's failure
    /// count afterwards. `uncertain` marks sends that may have reached Runware (a timeout or a
    /// dropped connection after sending): such a task is asked about before it is sent again.
    @discardableResult
    package func recordSubmitFailure(_ taskUUIDs: [String], uncertain: Bool, at time: Double) async throws(StoreError) -> [String: Int] {
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
    /// `afterFailedOrNotFound` when Runware's answer was `taskFailedOrNotFound` (it may also have
    /// run and failed): the resend's `conflictTaskUUID` will then mean failure.
    package func clearSubmissionUncertain(_ taskUUID: String, afterFailedOrNotFound: Bool = false) async throws(StoreError) {
        try await write("clearSubmissionUncertain") { (db) throws(StoreError) in
            try db.run(
                """
                UPDATE tasks SET submission_uncertain = 0,
                    resent_after_failed_or_not_found = MAX(resent_after_failed_or_not_found, ?)
                WHERE task_uuid = ?
                """,
                [.integer(afterFailedOrNotFound ? 1 : 0), .text(taskUUID)])
        }
    }

    /// Fails a task kontextd gave up on (for example after its submission budget), keeping the
    /// reason as an error; returns the state afterwards (a final task keeps its state).
    @discardableResult
    package func failTask(_ taskUUID: String, code: String, message: String, at time: Double) async throws(StoreError) -> TaskState {
        let outbox = self.outbox
        let state = try await write("failTask") { [outbox] (db) throws(StoreError) -> TaskState in
            let current = try Self.requireTaskState(taskUUID, in: db, operation: "failTask")
            let change = try Self.plan(taskUUID: taskUUID, operation: "failTask") { () throws(InvalidTransition) in
                try TaskTransitions.givingUp(
                    from: current.state, numberResults: current.numberResults,
                    error: TaskFailureSummary(code: code, message: message))
            }
            try Self.insertError(taskUUID: taskUUID, code: code, message: message, parameter: nil, rawJSON: "{}", at: time, in: db)
            try Self.apply(change, to: taskUUID, at: time, outbox: outbox, in: db)
            return change.to
        }
        if state.isFinal { eventsAppended.advance() }
        return state
    }

    /// Submitted tasks whose results are overdue: submitted before `submittedBefore`, not polled
    /// since `polledBefore`; never-polled first, then the least recently polled, so one task
    /// whose polls keep failing cannot keep the others from their turn.
    package func overdueTasks(submittedBefore: Double, polledBefore: Double, limit: Int) async throws(StoreError) -> [TaskRecord] {
        try await read("overdueTasks") { (db) throws(StoreError) -> [TaskRecord] in
            try db.query(
                """
                SELECT \(RowDecoding.taskColumns) FROM tasks
                WHERE state = 'submitted' AND submitted_at < ? AND (last_polled_at IS NULL OR last_polled_at < ?)
                ORDER BY COALESCE(last_polled_at, 0), submitted_at LIMIT ?
                """,
                [.double(submittedBefore), .double(polledBefore), .integer(Int64(max(0, limit)))]
            ) { (row) throws(StoreError) in try RowDecoding.task(row, operation: "overdueTasks") }
        }
    }

    /// Submitted tasks submitted at or before `submittedBefore`, oldest first, each with how many of
    /// its results were announced (received in any state) and stored: candidates for ending.
    package func submittedTasksWithCounts(submittedBefore: Double, limit: Int) async throws(StoreError) -> [TaskProgress] {
        try await read("submittedTasksWithCounts") { (db) throws(StoreError) -> [TaskProgress] in
            let tasks = try db.query(
                """
                SELECT \(RowDecoding.taskColumns) FROM tasks
                WHERE state = 'submitted' AND submitted_at <= ? ORDER BY submitted_at LIMIT ?
                """,
                [.double(submittedBefore), .integer(Int64(max(0, limit)))]
            ) { (row) throws(StoreError) in try RowDecoding.task(row, operation: "submittedTasksWithCounts") }
            var progress: [TaskProgress] = []
            for task in tasks {
                let counts = try db.queryFirst(
                    "SELECT COUNT(*) AS announced, COALESCE(SUM(state = 'stored'), 0) AS stored FROM results WHERE task_uuid = ?",
                    [.text(task.taskUUID)]
                ) { (row) -> (Int, Int) in (row["announced"], row["stored"]) } ?? (0, 0)
                progress.append(TaskProgress(task: task, announced: counts.0, stored: counts.1))
            }
            return progress
        }
    }

    /// Queued tasks whose last send was uncertain, oldest first.
    package func uncertainTasks(limit: Int) async throws(StoreError) -> [TaskRecord] {
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

    /// Records one poll of each task at `time`, whatever its outcome: the outcome line, the
    /// error when the poll failed (nil when Runware answered), and one more poll counted.
    package func recordPolls(_ polls: [PollRecord], at time: Double) async throws(StoreError) {
        try await write("recordPolls") { (db) throws(StoreError) in
            for poll in polls {
                try db.run(
                    """
                    UPDATE tasks SET last_polled_at = ?, poll_count = poll_count + 1, last_poll_outcome = ?,
                        last_poll_error = ?
                    WHERE task_uuid = ?
                    """,
                    [.double(time), .text(poll.outcome), .text(poll.error), .text(poll.taskUUID)])
            }
        }
    }

    /// Counts one more send of each task, before it is sent (so a crash mid-send still counts).
    package func recordSends(_ taskUUIDs: [String]) async throws(StoreError) {
        try await write("recordSends") { (db) throws(StoreError) in
            for uuid in taskUUIDs {
                try db.run("UPDATE tasks SET send_count = send_count + 1 WHERE task_uuid = ?", [.text(uuid)])
            }
        }
    }

    /// Replaces a pending result's image URL with a fresh one from Runware (the old one expired):
    /// its fetch attempts start again and `refetches` grows by one. Returns the new refetch count;
    /// throws `.notFound` for an unknown image, `.invalidInput` for a result that is not pending.
    @discardableResult
    package func replaceResultSource(imageUUID: String, sourceValue: String) async throws(StoreError) -> Int {
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
    package func repairCount() async throws(StoreError) -> Int {
        try await read("repairCount") { (db) throws(StoreError) -> Int in
            try db.queryFirst("SELECT COUNT(*) AS repairs FROM results WHERE received_via = 'poll'", [], row: { $0["repairs"] }) ?? 0
        }
    }
}

/// A submitted task with how far its results got.
package struct TaskProgress: Sendable, Hashable {
    /// The task.
    package var task: TaskRecord
    /// Results received (by webhook, poll or submission answer), in any state.
    package var announced: Int
    /// Results fetched, verified and stored.
    package var stored: Int

    /// Creates a progress record.
    package init(task: TaskRecord, announced: Int, stored: Int) {
        self.task = task
        self.announced = announced
        self.stored = stored
    }
}

/// One poll of one task, as the reconciler records it.
package struct PollRecord: Sendable, Hashable {
    /// The task polled.
    package var taskUUID: String
    /// What came back, e.g. `200: still running`, `200: 2 results`, `404`.
    package var outcome: String
    /// Why the poll failed (transport error, unexpected status, unreadable body); nil when answered.
    package var error: String?

    /// Creates a poll record.
    package init(taskUUID: String, outcome: String, error: String? = nil) {
        self.taskUUID = taskUUID
        self.outcome = outcome
        self.error = error
    }
}
