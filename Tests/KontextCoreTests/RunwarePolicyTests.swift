import KontextCore
import Testing

@Suite struct RunwareErrorClassTests {
    static let table: [(String, RunwareErrorClass)] = [
        ("conflictTaskUUID", .conflictTaskUUID),
        ("taskFailedOrNotFound", .taskFailedOrNotFound),
        ("taskNotFound", .taskNotFound),
        ("resourceNotFound", .taskNotFound),
        ("imageURLExpired", .taskNotFound),
        ("inferenceError", .taskFailed),
        ("processingFailed", .taskFailed),
        ("taskFailed", .taskFailed),
        ("timeoutProvider", .taskFailed),
        ("taskCancelled", .taskFailed),
        ("providerAuthFailed", .taskFailed),
        ("inferenceFailed", .taskFailed),
        ("queueWaitTimeout", .transient),
        ("queueCapacityExceeded", .transient),
        ("serviceUnavailable", .transient),
        ("internalServerError", .transient),
        ("rateLimitExceeded", .transient),
        ("invalidApiKey", .authentication),
        ("tokenExpired", .authentication),
        ("insufficientCredits", .quota),
        ("invalidContent", .contentRejected),
        ("nsfwContentDetected", .contentRejected),
        ("invalidSteps", .invalidRequest),
        ("missingPositivePrompt", .invalidRequest),
        ("invalidTaskUUID", .invalidRequest),
        ("unknown", .other),
        ("somethingNew", .other),
    ]

    @Test(arguments: table) func classifies(_ code: String, _ expected: RunwareErrorClass) {
        #expect(RunwareErrorClass.of(code) == expected)
    }

    @Test func onlyConflictsAndTransientErrorsLeaveAnAcceptedTaskRunning() {
        let running = RunwareErrorClass.allCases.filter { !$0.endsAcceptedTask }
        #expect(Set(running) == [.conflictTaskUUID, .transient])
    }
}

@Suite struct SubmissionPolicyTests {
    static let statuses: [(Int, SubmissionPolicy.StatusVerdict)] = [
        (200, .readBody), (400, .readBody), (403, .readBody), (404, .readBody),
        (401, .pause), (402, .pause),
        (408, .retryLater(mayHaveRun: false)), (429, .retryLater(mayHaveRun: false)),
        (503, .retryLater(mayHaveRun: false)), (504, .retryLater(mayHaveRun: false)),
        (500, .retryLater(mayHaveRun: true)), (502, .retryLater(mayHaveRun: true)), (599, .retryLater(mayHaveRun: true)),
    ]

    @Test(arguments: statuses) func statusAlone(_ status: Int, _ expected: SubmissionPolicy.StatusVerdict) {
        #expect(SubmissionPolicy.verdict(forStatus: status) == expected)
    }

    static func error(_ code: String, task: String? = "t") -> RunwareError {
        RunwareError(code: code, message: "m", taskUUID: task, raw: .object(["code": .string(code)]))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let news: RunwareTaskNews
        let status: Int
        let batchSize: Int
        let unattributed: [RunwareError]
        let sentBefore: Bool
        let adopts: Bool
        var afterFailedOrNotFound = false
        let expected: SubmissionPolicy.TaskVerdict
        var testDescription: String { name }
    }

    static let ack = RunwareTaskNews(mentioned: true)
    static let silent = RunwareTaskNews()
    static let conflict = RunwareTaskNews(failures: [error("conflictTaskUUID")])

    static let cases: [Case] = [
        Case(name: "acknowledged", news: ack, status: 200, batchSize: 1, unattributed: [], sentBefore: false, adopts: false, expected: .accepted),
        Case(name: "single task, {\"data\":[]}", news: silent, status: 200, batchSize: 1, unattributed: [], sentBefore: false, adopts: false, expected: .accepted),
        Case(name: "batch, silent about the task", news: silent, status: 200, batchSize: 3, unattributed: [], sentBefore: false, adopts: false, expected: .uncertain),
        Case(name: "conflict on a first send", news: conflict, status: 400, batchSize: 1, unattributed: [], sentBefore: false, adopts: false, expected: .uuidTaken(error("conflictTaskUUID"))),
        Case(name: "conflict on a resend", news: conflict, status: 400, batchSize: 1, unattributed: [], sentBefore: true, adopts: false, expected: .accepted),
        Case(name: "conflict, adoption asked", news: conflict, status: 400, batchSize: 1, unattributed: [], sentBefore: false, adopts: true, expected: .accepted),
        Case(name: "conflict on the resend after taskFailedOrNotFound", news: conflict, status: 400, batchSize: 1, unattributed: [], sentBefore: true, adopts: false, afterFailedOrNotFound: true, expected: .failedEarlier(error("conflictTaskUUID"))),
        Case(name: "accepted on the resend after taskFailedOrNotFound", news: ack, status: 200, batchSize: 1, unattributed: [], sentBefore: true, adopts: false, afterFailedOrNotFound: true, expected: .accepted),
        Case(name: "unattributed conflict, single first send", news: silent, status: 400, batchSize: 1, unattributed: [error("conflictTaskUUID", task: nil)], sentBefore: false, adopts: false, expected: .uuidTaken(error("conflictTaskUUID", task: nil))),
        Case(name: "invalid parameter", news: RunwareTaskNews(failures: [error("invalidSteps")]), status: 400, batchSize: 1, unattributed: [], sentBefore: false, adopts: false, expected: .rejected(error("invalidSteps"))),
        Case(name: "task-scoped queue full", news: RunwareTaskNews(failures: [error("queueCapacityExceeded")]), status: 200, batchSize: 2, unattributed: [], sentBefore: false, adopts: false, expected: .retryLater(error("queueCapacityExceeded"))),
        Case(name: "403 without error", news: silent, status: 403, batchSize: 1, unattributed: [], sentBefore: false, adopts: false, expected: .refusedWithoutError(status: 403)),
        Case(name: "results in the answer", news: RunwareTaskNews(results: [ImageResult(taskUUID: "t", imageUUID: "i", source: .url("u"), raw: .null)]), status: 200, batchSize: 4, unattributed: [], sentBefore: false, adopts: false, expected: .accepted),
    ]

    @Test(arguments: cases) func perTask(_ item: Case) {
        #expect(SubmissionPolicy.verdict(
            for: item.news, status: item.status, batchSize: item.batchSize, unattributed: item.unattributed,
            sentBefore: item.sentBefore, adoptsExisting: item.adopts, afterFailedOrNotFound: item.afterFailedOrNotFound) == item.expected)
    }

    @Test func batchesWithUnattributedErrorsAreSentSingly() {
        let loose = [Self.error("invalidRequestBody", task: nil)]
        #expect(SubmissionPolicy.mustSendSingly(batchSize: 3, unattributed: loose, unmentionedTasks: 1))
        #expect(!SubmissionPolicy.mustSendSingly(batchSize: 3, unattributed: loose, unmentionedTasks: 0))
        #expect(!SubmissionPolicy.mustSendSingly(batchSize: 1, unattributed: loose, unmentionedTasks: 1))
        #expect(!SubmissionPolicy.mustSendSingly(batchSize: 3, unattributed: [], unmentionedTasks: 3))
    }

    static let uncertain: [(String, RunwareTaskNews, SubmissionPolicy.UncertainVerdict)] = [
        ("processing", RunwareTaskNews(mentioned: true), .runwareHasTask),
        ("never heard of", RunwareTaskNews(), .neverReceived),
        ("taskNotFound", RunwareTaskNews(failures: [error("taskNotFound")]), .neverReceived),
        ("taskFailedOrNotFound", RunwareTaskNews(failures: [error("taskFailedOrNotFound")]), .failedOrNeverReceived(error("taskFailedOrNotFound"))),
        ("inferenceError", RunwareTaskNews(failures: [error("inferenceError")]), .ended(error("inferenceError"))),
        ("serviceUnavailable", RunwareTaskNews(failures: [error("serviceUnavailable")]), .askAgain(error("serviceUnavailable"))),
    ]

    @Test(arguments: uncertain) func uncertainSends(_ name: String, _ news: RunwareTaskNews, _ expected: SubmissionPolicy.UncertainVerdict) {
        #expect(SubmissionPolicy.resolveUncertain(news) == expected, "\(name)")
    }
}

@Suite struct ReconcilePolicyTests {
    static let delays: [(overdue: Double, giveUp: Double, ttl: Double?, poll: Double, end: Double)] = [
        (120, 1200, nil, 120, 1200),
        (120, 1200, 60, 30, 1200),
        (120, 1200, 600, 120, 1200),
        (120, 1200, 3600, 120, 3600),
        (120, 1200, 0, 120, 1200),
    ]

    @Test(arguments: delays) func deadlines(_ row: (overdue: Double, giveUp: Double, ttl: Double?, poll: Double, end: Double)) {
        #expect(ReconcilePolicy.pollDelay(overdueAfter: row.overdue, ttl: row.ttl) == row.poll)
        #expect(ReconcilePolicy.giveUpDelay(giveUpAfter: row.giveUp, ttl: row.ttl) == row.end)
        #expect(!ReconcilePolicy.isPastDeadline(submittedAt: 1000, now: 1000 + row.end - 1, giveUpAfter: row.giveUp, ttl: row.ttl))
        #expect(ReconcilePolicy.isPastDeadline(submittedAt: 1000, now: 1000 + row.end, giveUpAfter: row.giveUp, ttl: row.ttl))
    }

    @Test func givingUpNamesWhatWasTried() throws {
        let none = try #require(ReconcilePolicy.giveUp(numberResults: 2, announced: 0, stored: 0, polls: 0, lastPoll: nil, waited: 1200))
        #expect(none.code == "deadlineExceeded")
        #expect(none.message.contains("2 of 2 results never arrived within 1200 s"))
        #expect(none.message.contains("never polled"))
        let partial = try #require(ReconcilePolicy.giveUp(numberResults: 4, announced: 3, stored: 2, polls: 12, lastPoll: "404", waited: 1250.4))
        #expect(partial.code == "deadlineExceededPartial")
        #expect(partial.message.contains("2 of 4 results stored, 1 never arrived within 1250 s"))
        #expect(partial.message.contains("12 getResponse polls (last: 404)"))
        #expect(ReconcilePolicy.giveUp(numberResults: 2, announced: 2, stored: 0, polls: 3, lastPoll: nil, waited: 5000) == nil)
    }

    static func error(_ code: String) -> RunwareError {
        RunwareError(code: code, message: "m", taskUUID: "t", raw: .null)
    }

    static let polls: [(String, RunwareTaskNews, ReconcilePolicy.PollVerdict)] = [
        ("silence", RunwareTaskNews(), .noNews),
        ("processing", RunwareTaskNews(mentioned: true), .stillRunning),
        ("taskFailedOrNotFound ends it", RunwareTaskNews(failures: [error("taskFailedOrNotFound")]), .news(results: [], failures: [error("taskFailedOrNotFound")])),
        ("taskNotFound ends it", RunwareTaskNews(failures: [error("taskNotFound")]), .news(results: [], failures: [error("taskNotFound")])),
        ("failure ends it", RunwareTaskNews(failures: [error("timeoutProvider")]), .news(results: [], failures: [error("timeoutProvider")])),
        ("transient: ask again", RunwareTaskNews(failures: [error("serviceUnavailable")]), .askAgain(error("serviceUnavailable"))),
    ]

    @Test(arguments: polls) func pollVerdicts(_ name: String, _ news: RunwareTaskNews, _ expected: ReconcilePolicy.PollVerdict) {
        #expect(ReconcilePolicy.verdict(for: news) == expected, "\(name)")
    }

    @Test func pollDescriptions() {
        #expect(ReconcilePolicy.describe(status: 200, verdict: .noNews) == "200: no news")
        #expect(ReconcilePolicy.describe(status: 400, verdict: .news(results: [], failures: [Self.error("taskNotFound")])) == "400: error taskNotFound")
    }
}
