/// The submission worker's decisions, apart from the I/O: what an HTTP status means on its own,
/// what a readable answer means for each task of the batch, and what `getResponse` says about a
/// task whose send went unanswered. The worker only acts on these verdicts.
package enum SubmissionPolicy {
    /// What an HTTP status decides before the body is read.
    package enum StatusVerdict: Sendable, Hashable {
        /// 401/402: the key or the balance is wrong for every task; keep them queued, pause.
        case pause
        /// 408, 429, 5xx: no verdict on the tasks; back off. `mayHaveRun` when the request may
        /// have been taken before it failed (a 5xx other than 503/504, which say "not taken"):
        /// such tasks are asked about with `getResponse` before they are sent again.
        case retryLater(mayHaveRun: Bool)
        /// Anything else: the body says what became of each task.
        case readBody
    }

    /// The verdict of an HTTP status alone.
    package static func verdict(forStatus status: Int) -> StatusVerdict {
        switch status {
        case 401, 402: return .pause
        case 503, 504, 408, 429: return .retryLater(mayHaveRun: false)
        case 500...599: return .retryLater(mayHaveRun: true)
        default: return .readBody
        }
    }

    /// What a readable answer to a send means for one task of the batch.
    package enum TaskVerdict: Sendable, Hashable {
        /// Runware has the task: an acknowledgement, results, or `conflictTaskUUID` on a resend
        /// of kontextd's own.
        case accepted
        /// Runware refused the task with this error; it will never run.
        case rejected(RunwareError)
        /// `conflictTaskUUID` on the first send: the UUID belongs to another Runware task, whose
        /// results must never be taken for this one's.
        case uuidTaken(RunwareError)
        /// `conflictTaskUUID` on the resend that followed a `taskFailedOrNotFound`: Runware has
        /// the task, so it ran and failed. It ends; it is never waited for.
        case failedEarlier(RunwareError)
        /// A transient error scoped to the task (queue full, unavailable): not taken, send later.
        case retryLater(RunwareError)
        /// A 2xx answer to a batch that does not mention this task: Runware may or may not have
        /// it, so ask (`getResponse`) before sending it again.
        case uncertain
        /// A non-2xx answer with no error for this task (and nothing else to go on).
        case refusedWithoutError(status: Int)
    }

    /// The verdict for one task of a batch of `batchSize` answered `status`.
    ///
    /// - Parameters:
    ///   - news: what the answer says about the task.
    ///   - unattributed: errors in the answer that name no task; with a batch of one they are
    ///     the task's own.
    ///   - sentBefore: kontextd sent this task before (an earlier send may have gone through).
    ///   - adoptsExisting: the user asked to adopt an existing Runware task with this UUID.
    ///   - afterFailedOrNotFound: this is the resend after `getResponse` said `taskFailedOrNotFound`.
    package static func verdict(
        for news: RunwareTaskNews, status: Int, batchSize: Int, unattributed: [RunwareError], sentBefore: Bool,
        adoptsExisting: Bool = false, afterFailedOrNotFound: Bool = false
    ) -> TaskVerdict {
        let failures = news.failures.isEmpty && batchSize == 1 ? unattributed : news.failures
        if let conflict = failures.first(where: { RunwareErrorClass.of($0.code) == .conflictTaskUUID }) {
            if afterFailedOrNotFound { return .failedEarlier(conflict) }
            return sentBefore || adoptsExisting ? .accepted : .uuidTaken(conflict)
        }
        if let failure = failures.first {
            return RunwareErrorClass.of(failure.code) == .transient ? .retryLater(failure) : .rejected(failure)
        }
        guard (200..<300).contains(status) else { return .refusedWithoutError(status: status) }
        // An acknowledgement may be `{"data":[]}` (protocol notes): for a single task a 2xx is
        // acceptance; in a batch, silence about one task is not.
        if batchSize == 1 || !news.results.isEmpty || news.mentioned { return .accepted }
        return .uncertain
    }

    /// True when a batch answer carries errors that name no task while some task of the batch is
    /// not mentioned: the error cannot be pinned on one of them, so they are sent one by one.
    package static func mustSendSingly(batchSize: Int, unattributed: [RunwareError], unmentionedTasks: Int) -> Bool {
        batchSize > 1 && !unattributed.isEmpty && unmentionedTasks > 0
    }

    /// What `getResponse` says about a task whose last send went unanswered.
    package enum UncertainVerdict: Sendable, Hashable {
        /// Runware has it (running, results, or failed while running): never send it again.
        case runwareHasTask
        /// Runware never received it (`*NotFound`, or not mentioned in a 2xx answer): send it.
        case neverReceived
        /// `taskFailedOrNotFound`: never received, or ran and failed. Send it again: if Runware
        /// never had it, it runs now (or is refused with its real reason); if it had it, the
        /// resend meets `conflictTaskUUID`, which then means failure (`TaskVerdict.failedEarlier`),
        /// never acceptance.
        case failedOrNeverReceived(RunwareError)
        /// It ran and failed (a failure code): it ends, and is never sent again.
        case ended(RunwareError)
        /// Runware could not answer about it now: ask again later.
        case askAgain(RunwareError)
    }

    /// The verdict on an uncertain task from `getResponse`'s news about it.
    package static func resolveUncertain(_ news: RunwareTaskNews) -> UncertainVerdict {
        if !news.results.isEmpty || news.mentioned { return .runwareHasTask }
        guard let failure = news.failures.first else { return .neverReceived }
        switch RunwareErrorClass.of(failure.code) {
        case .taskNotFound: return .neverReceived
        case .taskFailedOrNotFound: return .failedOrNeverReceived(failure)
        case .transient: return .askAgain(failure)
        case .conflictTaskUUID: return .runwareHasTask
        default: return .ended(failure)
        }
    }
}
