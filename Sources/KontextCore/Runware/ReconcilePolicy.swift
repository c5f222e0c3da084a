/// The reconciler's decisions, apart from the I/O: when a submitted task is overdue for a poll,
/// when it must end, what a `getResponse` answer means for it, and how a task that ran out of
/// time ends. Times are seconds on the wall clock the store records (`submittedAt`); callers
/// pass the current time in, so tests choose it.
package enum ReconcilePolicy {
    /// Seconds after submission before a task missing results is polled: `overdueAfter`, or
    /// half the task's `ttl` when that is sooner, so results are found while their URLs work.
    package static func pollDelay(overdueAfter: Double, ttl: Double?) -> Double {
        guard let ttl, ttl > 0 else { return overdueAfter }
        return min(overdueAfter, ttl / 2)
    }

    /// Seconds after submission after which a task still missing results ends: `giveUpAfter`,
    /// never shorter than the task's `ttl` (its results may legitimately take that long).
    package static func giveUpDelay(giveUpAfter: Double, ttl: Double?) -> Double {
        guard let ttl, ttl > 0 else { return giveUpAfter }
        return max(giveUpAfter, ttl)
    }

    /// True when a task submitted at `submittedAt` is past its deadline at `now`.
    package static func isPastDeadline(submittedAt: Double, now: Double, giveUpAfter: Double, ttl: Double?) -> Bool {
        now - submittedAt >= giveUpDelay(giveUpAfter: giveUpAfter, ttl: ttl)
    }

    /// How a task that ran out of time ends.
    package struct GiveUp: Sendable, Hashable {
        /// `deadlineExceeded` when nothing was stored, `deadlineExceededPartial` when some was.
        package var code: String
        /// The reason, naming what was tried.
        package var message: String
    }

    /// The ending of a task asking `numberResults` results with `announced` of them received
    /// (webhook or poll) and `stored` verified, after `polls` getResponse polls (the last one's
    /// outcome `lastPoll`), `waited` seconds after submission. Returns nil when every result was
    /// announced: the images are being fetched, which has its own bounded retries.
    ///
    /// The task becomes `failed` either way (no more results will be waited for); with some
    /// results stored the code says the outcome is partial, and those results stay available.
    package static func giveUp(
        numberResults: Int, announced: Int, stored: Int, polls: Int, lastPoll: String?, waited: Double
    ) -> GiveUp? {
        guard announced < numberResults else { return nil }
        let tried = polls == 0
            ? "webhooks only (never polled)"
            : "webhooks and \(polls) getResponse poll\(polls == 1 ? "" : "s")\(lastPoll.map { " (last: \($0))" } ?? "")"
        let waitedText = "\(Int(waited.rounded())) s"
        if stored > 0 {
            return GiveUp(
                code: "deadlineExceededPartial",
                message: "\(stored) of \(numberResults) results stored, \(numberResults - announced) never arrived within \(waitedText) of submission; tried \(tried)")
        }
        return GiveUp(
            code: "deadlineExceeded",
            message: "\(numberResults - announced) of \(numberResults) results never arrived within \(waitedText) of submission; tried \(tried)")
    }

    /// True when a failed task still takes results that arrive late (up to its number): only one
    /// kontextd itself ended at its deadline. Runware made and charged for those results; the
    /// task stays failed, but they are fetched, verified and stored like any other. A task that
    /// failed for any other reason refuses further results.
    package static func takesLateResults(errorCode: String?) -> Bool {
        errorCode?.hasPrefix("deadlineExceeded") == true
    }

    /// What one `getResponse` answer means for one polled task.
    package enum PollVerdict: Sendable, Hashable {
        /// Results and/or failures to record (failures that end the task included: a
        /// `taskFailedOrNotFound` or `*NotFound` for an accepted task is its end, not "no news").
        case news(results: [ImageResult], failures: [RunwareError])
        /// Runware still works on it (acknowledgement or progress only).
        case stillRunning
        /// Runware could not answer about it now (transient error scoped to it).
        case askAgain(RunwareError)
        /// The answer says nothing about it.
        case noNews
    }

    /// The verdict for one task from the news a readable `getResponse` answer carries about it.
    package static func verdict(for news: RunwareTaskNews) -> PollVerdict {
        let ending = news.failures.filter { RunwareErrorClass.of($0.code).endsAcceptedTask }
        if !news.results.isEmpty || !ending.isEmpty { return .news(results: news.results, failures: ending) }
        if let transient = news.failures.first(where: { RunwareErrorClass.of($0.code) == .transient }) {
            return .askAgain(transient)
        }
        if news.mentioned || !news.failures.isEmpty { return .stillRunning }
        return .noNews
    }

    /// A one-line account of a poll for the task's record: `"200: 2 results"`, `"404"`, ...
    package static func describe(status: Int, verdict: PollVerdict) -> String {
        switch verdict {
        case .news(let results, let failures):
            var parts: [String] = []
            if !results.isEmpty { parts.append("\(results.count) result\(results.count == 1 ? "" : "s")") }
            if let first = failures.first { parts.append("error \(first.code)") }
            return "\(status): \(parts.joined(separator: ", "))"
        case .stillRunning: return "\(status): still running"
        case .askAgain(let error): return "\(status): \(error.code), ask again"
        case .noNews: return "\(status): no news"
        }
    }
}
