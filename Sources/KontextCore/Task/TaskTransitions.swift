/// An error recorded on a task row (the first one that made it fail or be rejected).
package struct TaskFailureSummary: Sendable, Hashable {
    /// The error code (Runware's, or kontextd's own such as `resultFailed`).
    package var code: String
    /// The message that goes with it.
    package var message: String

    /// Creates a summary.
    package init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// What one event writes to a task row: decided here, executed by whichever store holds the
/// row (SQLite today), so every store applies the same rules.
package struct TaskStateChange: Sendable, Hashable {
    /// The state before the event.
    package var from: TaskState
    /// The state after it.
    package var to: TaskState
    /// The error to record, kept only when the task has none recorded yet.
    package var error: TaskFailureSummary?

    /// Creates a change.
    package init(from: TaskState, to: TaskState, error: TaskFailureSummary? = nil) {
        self.from = from
        self.to = to
        self.error = error
    }

    /// True when nothing is written: same state, no error. Keeps the row and its index pages
    /// clean on the webhook path (one more result for a task that is still waiting).
    package var writesNothing: Bool { from == to && error == nil }

    /// True when the move proves Runware accepted the task (it left queued for anything but a
    /// rejection): `submittedAt` is set if it is not yet.
    package var provesAcceptance: Bool { from == .queued && to != .queued && to != .rejected }

    /// True when the task becomes final: `finishedAt` is set if it is not yet.
    package var becomesFinal: Bool { to.isFinal && !from.isFinal }
}

/// The task-level consequences of what the store records, as pure functions.
package enum TaskTransitions {
    /// What a delivery (webhook, submission response or poll) does to its task.
    ///
    /// New failures move it by `.runwareFailed`, recording the first one's error when that makes
    /// the task fail; new results then move it by `.resultsProgressed` with the task's result
    /// counts after the delivery (`resultCounts`, nil when the delivery brought no new result).
    /// A move the lifecycle forbids (news about a rejected task) keeps the state: the delivery's
    /// data is kept all the same, because a result is never lost.
    package static func afterDelivery(
        from current: TaskState, numberResults: Int, firstNewFailure: TaskFailureSummary?,
        resultCounts: (stored: Int, failed: Int)?
    ) -> TaskStateChange {
        var state = current
        var error: TaskFailureSummary?
        if let firstNewFailure,
            let next = try? TaskLifecycle.next(from: state, on: .runwareFailed, numberResults: numberResults)
        {
            if next == .failed && state != .failed { error = firstNewFailure }
            state = next
        }
        if let resultCounts,
            let next = try? TaskLifecycle.next(
                from: state, on: .resultsProgressed(stored: resultCounts.stored, failed: resultCounts.failed),
                numberResults: numberResults)
        {
            state = next
        }
        return TaskStateChange(from: current, to: state, error: error)
    }

    /// What resolving one result (stored, or given up on) does to its task, given the task's
    /// result counts afterwards: it completes once every result is stored and fails, recording
    /// `resultFailed`, once every result is resolved and one was lost. A rejected task stays
    /// rejected (the result's data is kept).
    package static func afterResultResolved(
        from current: TaskState, numberResults: Int, stored: Int, failed: Int
    ) -> TaskStateChange {
        let next = (try? TaskLifecycle.next(
            from: current, on: .resultsProgressed(stored: stored, failed: failed), numberResults: numberResults))
            ?? current
        var error: TaskFailureSummary?
        if next == .failed && current != .failed {
            error = TaskFailureSummary(
                code: "resultFailed", message: "\(failed) of \(numberResults) results could not be fetched or verified")
        }
        return TaskStateChange(from: current, to: next, error: error)
    }

    /// Runware refused the task: it moves by `.rejected`, and the error is recorded on the row
    /// only when it is rejected by it (a task already accepted stays submitted).
    package static func rejection(
        from current: TaskState, numberResults: Int, error: TaskFailureSummary
    ) throws(InvalidTransition) -> TaskStateChange {
        let next = try TaskLifecycle.next(from: current, on: .rejected, numberResults: numberResults)
        return TaskStateChange(from: current, to: next, error: next == .rejected ? error : nil)
    }

    /// kontextd gave up on the task (its submission budget is spent): it moves by
    /// `.runwareFailed`, and the reason is recorded unless an earlier error already is.
    package static func givingUp(
        from current: TaskState, numberResults: Int, error: TaskFailureSummary
    ) throws(InvalidTransition) -> TaskStateChange {
        let next = try TaskLifecycle.next(from: current, on: .runwareFailed, numberResults: numberResults)
        return TaskStateChange(from: current, to: next, error: error)
    }
}
