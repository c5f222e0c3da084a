/// Something that happened to a task, as far as its state is concerned.
package enum TaskEvent: Sendable, Hashable {
    /// Runware acknowledged the submission (or answered `conflictTaskUUID` to a resend: already accepted).
    case accepted
    /// Runware refused the submission; the task will never run.
    case rejected
    /// Result bookkeeping changed: `stored` results verified and kept, `failed` results that
    /// could not be fetched or verified, out of the task's `numberResults`.
    case resultsProgressed(stored: Int, failed: Int)
    /// Runware reported the task (or one of its generations) failed.
    case runwareFailed
}

/// A move the state machine does not allow, with enough said to find the bug that asked for it.
package struct InvalidTransition: Error, Sendable, Hashable, CustomStringConvertible {
    package let from: TaskState
    package let event: TaskEvent

    package init(from: TaskState, event: TaskEvent) {
        self.from = from
        self.event = event
    }

    package var description: String { "task state \(from.rawValue) does not accept event \(event)" }
}

/// The task state machine: queued → submitted → completed / failed, or queued → rejected;
/// queued ⇄ held while a budget limit keeps a task back.
///
/// Late or repeated news never moves a task backwards: duplicates and reordering are normal on
/// Runware's side (webhooks retry; a webhook may beat the submission's acknowledgement), so an
/// event that carries nothing new for the current state leaves it where it is.
package enum TaskLifecycle {
    /// The state after `event`, for a task that asked for `numberResults` results.
    ///
    /// Throws only for moves that would contradict what is already known for certain: accepting,
    /// progressing or failing a task that Runware rejected. Rejecting a task that has run does not
    /// throw: it leaves the task where it is (a resend refused after the first send was accepted).
    package static func next(
        from state: TaskState, on event: TaskEvent, numberResults: Int
    ) throws(InvalidTransition) -> TaskState {
        // A held task was never sent; should news about it come anyway, it counts as for a queued one.
        switch (state, event) {
        case (.queued, .accepted), (.held, .accepted):
            return .submitted
        case (.queued, .rejected), (.held, .rejected):
            return .rejected
        case (.queued, .resultsProgressed(let stored, let failed)), (.held, .resultsProgressed(let stored, let failed)),
            (.submitted, .resultsProgressed(let stored, let failed)):
            // A result can arrive before the acknowledgement is recorded: it proves acceptance.
            return settle(stored: stored, failed: failed, numberResults: numberResults)
        case (.queued, .runwareFailed), (.held, .runwareFailed), (.submitted, .runwareFailed):
            return .failed
        case (.submitted, .accepted):
            return .submitted
        case (.submitted, .rejected):
            // A resend answered with an error after the first send was accepted changes nothing.
            return .submitted
        case (.completed, .accepted), (.completed, .resultsProgressed), (.completed, .runwareFailed), (.completed, .rejected):
            return .completed
        case (.failed, .accepted), (.failed, .runwareFailed), (.failed, .rejected):
            return .failed
        case (.failed, .resultsProgressed):
            return .failed
        case (.rejected, .rejected):
            return .rejected
        case (.rejected, .accepted), (.rejected, .resultsProgressed), (.rejected, .runwareFailed):
            throw InvalidTransition(from: state, event: event)
        }
    }

    /// The state that result counts imply: still waiting, every result stored, or at least one lost.
    private static func settle(stored: Int, failed: Int, numberResults: Int) -> TaskState {
        if stored >= numberResults { return .completed }
        if stored + failed >= numberResults { return .failed }
        return .submitted
    }
}
