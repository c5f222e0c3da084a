import KontextCore
import Testing

@Suite struct TaskTransitionsTests {
    static let failure = TaskFailureSummary(code: "modelError", message: "the model failed")

    struct DeliveryCase: Sendable, CustomTestStringConvertible {
        let from: TaskState
        let numberResults: Int
        let failure: Bool
        let counts: (stored: Int, failed: Int)?
        let to: TaskState
        let recordsError: Bool
        var testDescription: String {
            "\(from) + \(failure ? "failure" : "no failure"), counts \(counts.map { "\($0.stored)/\($0.failed)" } ?? "none") → \(to)"
        }
    }

    static let deliveries: [DeliveryCase] = [
        // A first result proves acceptance; the task waits for the rest.
        .init(from: .queued, numberResults: 2, failure: false, counts: (0, 0), to: .submitted, recordsError: false),
        .init(from: .submitted, numberResults: 2, failure: false, counts: (0, 0), to: .submitted, recordsError: false),
        // Counts after the delivery settle it.
        .init(from: .submitted, numberResults: 1, failure: false, counts: (1, 0), to: .completed, recordsError: false),
        .init(from: .submitted, numberResults: 2, failure: false, counts: (1, 1), to: .failed, recordsError: false),
        // A failure fails the task and its error is recorded once.
        .init(from: .submitted, numberResults: 1, failure: true, counts: nil, to: .failed, recordsError: true),
        .init(from: .queued, numberResults: 1, failure: true, counts: nil, to: .failed, recordsError: true),
        .init(from: .failed, numberResults: 1, failure: true, counts: nil, to: .failed, recordsError: false),
        // A result after a failure does not revive the task.
        .init(from: .submitted, numberResults: 2, failure: true, counts: (2, 0), to: .failed, recordsError: true),
        // Late news never moves a final task.
        .init(from: .completed, numberResults: 1, failure: true, counts: (1, 0), to: .completed, recordsError: false),
        // News about a rejected task keeps it rejected (the data is stored regardless).
        .init(from: .rejected, numberResults: 1, failure: false, counts: (1, 0), to: .rejected, recordsError: false),
        .init(from: .rejected, numberResults: 1, failure: true, counts: nil, to: .rejected, recordsError: false),
        // A pure duplicate changes nothing.
        .init(from: .submitted, numberResults: 1, failure: false, counts: nil, to: .submitted, recordsError: false),
    ]

    @Test(arguments: deliveries)
    func deliveryMovesTheTask(_ c: DeliveryCase) {
        let change = TaskTransitions.afterDelivery(
            from: c.from, numberResults: c.numberResults, firstNewFailure: c.failure ? Self.failure : nil,
            resultCounts: c.counts)
        #expect(change.from == c.from)
        #expect(change.to == c.to)
        #expect(change.error == (c.recordsError ? Self.failure : nil))
    }

    struct ResolvedCase: Sendable, CustomTestStringConvertible {
        let from: TaskState
        let numberResults: Int
        let stored: Int
        let failed: Int
        let to: TaskState
        let error: TaskFailureSummary?
        var testDescription: String { "\(from) with \(stored) stored, \(failed) failed of \(numberResults) → \(to)" }
    }

    static let resolutions: [ResolvedCase] = [
        .init(from: .submitted, numberResults: 2, stored: 1, failed: 0, to: .submitted, error: nil),
        .init(from: .submitted, numberResults: 2, stored: 2, failed: 0, to: .completed, error: nil),
        .init(
            from: .submitted, numberResults: 2, stored: 1, failed: 1, to: .failed,
            error: TaskFailureSummary(code: "resultFailed", message: "1 of 2 results could not be fetched or verified")),
        .init(from: .failed, numberResults: 2, stored: 1, failed: 1, to: .failed, error: nil),
        .init(from: .rejected, numberResults: 1, stored: 1, failed: 0, to: .rejected, error: nil),
        .init(from: .queued, numberResults: 1, stored: 1, failed: 0, to: .completed, error: nil),
    ]

    @Test(arguments: resolutions)
    func resolvingAResultMovesTheTask(_ c: ResolvedCase) {
        let change = TaskTransitions.afterResultResolved(
            from: c.from, numberResults: c.numberResults, stored: c.stored, failed: c.failed)
        #expect(change.to == c.to)
        #expect(change.error == c.error)
    }

    struct ColumnsCase: Sendable, CustomTestStringConvertible {
        let from: TaskState
        let to: TaskState
        let error: Bool
        let writesNothing: Bool
        let provesAcceptance: Bool
        let becomesFinal: Bool
        var testDescription: String { "\(from) → \(to)\(error ? " with error" : "")" }
    }

    static let columns: [ColumnsCase] = [
        .init(from: .submitted, to: .submitted, error: false, writesNothing: true, provesAcceptance: false, becomesFinal: false),
        .init(from: .submitted, to: .submitted, error: true, writesNothing: false, provesAcceptance: false, becomesFinal: false),
        .init(from: .queued, to: .submitted, error: false, writesNothing: false, provesAcceptance: true, becomesFinal: false),
        .init(from: .queued, to: .completed, error: false, writesNothing: false, provesAcceptance: true, becomesFinal: true),
        .init(from: .queued, to: .rejected, error: true, writesNothing: false, provesAcceptance: false, becomesFinal: true),
        .init(from: .submitted, to: .failed, error: true, writesNothing: false, provesAcceptance: false, becomesFinal: true),
        .init(from: .failed, to: .failed, error: true, writesNothing: false, provesAcceptance: false, becomesFinal: false),
    ]

    @Test(arguments: columns)
    func aChangeSaysWhichColumnsItSets(_ c: ColumnsCase) {
        let change = TaskStateChange(from: c.from, to: c.to, error: c.error ? Self.failure : nil)
        #expect(change.writesNothing == c.writesNothing)
        #expect(change.provesAcceptance == c.provesAcceptance)
        #expect(change.becomesFinal == c.becomesFinal)
    }

    @Test func rejectionRecordsItsErrorOnlyWhenItRejects() throws {
        let rejected = try TaskTransitions.rejection(from: .queued, numberResults: 1, error: Self.failure)
        #expect(rejected.to == .rejected && rejected.error == Self.failure)
        let stillSubmitted = try TaskTransitions.rejection(from: .submitted, numberResults: 1, error: Self.failure)
        #expect(stillSubmitted.to == .submitted && stillSubmitted.error == nil)
    }

    @Test func givingUpFailsTheTaskAndRefusesARejectedOne() throws {
        let failed = try TaskTransitions.givingUp(from: .queued, numberResults: 1, error: Self.failure)
        #expect(failed.to == .failed && failed.error == Self.failure)
        let completed = try TaskTransitions.givingUp(from: .completed, numberResults: 1, error: Self.failure)
        #expect(completed.to == .completed)
        #expect(throws: InvalidTransition.self) {
            try TaskTransitions.givingUp(from: .rejected, numberResults: 1, error: Self.failure)
        }
    }
}
