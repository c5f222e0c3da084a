import KontextCore
import Testing

@Suite struct TaskLifecycleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let from: TaskState
        let event: TaskEvent
        let numberResults: Int
        let expected: TaskState?  // nil: the move is invalid
        var testDescription: String { "\(from.rawValue) + \(event) (n=\(numberResults)) → \(expected?.rawValue ?? "invalid")" }
    }

    static let cases: [Case] = [
        Case(from: .queued, event: .accepted, numberResults: 1, expected: .submitted),
        Case(from: .queued, event: .rejected, numberResults: 1, expected: .rejected),
        Case(from: .queued, event: .runwareFailed, numberResults: 1, expected: .failed),
        Case(from: .queued, event: .resultsProgressed(stored: 0, failed: 0), numberResults: 2, expected: .submitted),
        Case(from: .queued, event: .resultsProgressed(stored: 1, failed: 0), numberResults: 1, expected: .completed),
        Case(from: .submitted, event: .accepted, numberResults: 1, expected: .submitted),
        Case(from: .submitted, event: .rejected, numberResults: 1, expected: .submitted),
        Case(from: .submitted, event: .runwareFailed, numberResults: 3, expected: .failed),
        Case(from: .submitted, event: .resultsProgressed(stored: 2, failed: 0), numberResults: 3, expected: .submitted),
        Case(from: .submitted, event: .resultsProgressed(stored: 3, failed: 0), numberResults: 3, expected: .completed),
        Case(from: .submitted, event: .resultsProgressed(stored: 2, failed: 1), numberResults: 3, expected: .failed),
        Case(from: .submitted, event: .resultsProgressed(stored: 1, failed: 1), numberResults: 3, expected: .submitted),
        Case(from: .completed, event: .accepted, numberResults: 1, expected: .completed),
        Case(from: .completed, event: .rejected, numberResults: 1, expected: .completed),
        Case(from: .completed, event: .runwareFailed, numberResults: 1, expected: .completed),
        Case(from: .completed, event: .resultsProgressed(stored: 1, failed: 0), numberResults: 1, expected: .completed),
        Case(from: .failed, event: .accepted, numberResults: 1, expected: .failed),
        Case(from: .failed, event: .rejected, numberResults: 1, expected: .failed),
        Case(from: .failed, event: .runwareFailed, numberResults: 1, expected: .failed),
        Case(from: .failed, event: .resultsProgressed(stored: 1, failed: 0), numberResults: 1, expected: .failed),
        Case(from: .rejected, event: .rejected, numberResults: 1, expected: .rejected),
        Case(from: .rejected, event: .accepted, numberResults: 1, expected: nil),
        Case(from: .rejected, event: .runwareFailed, numberResults: 1, expected: nil),
        Case(from: .rejected, event: .resultsProgressed(stored: 1, failed: 0), numberResults: 1, expected: nil),
    ]

    @Test(arguments: cases)
    func transition(_ c: Case) {
        let outcome = Result { () throws(InvalidTransition) -> TaskState in
            try TaskLifecycle.next(from: c.from, on: c.event, numberResults: c.numberResults)
        }
        switch (outcome, c.expected) {
        case (.success(let state), .some(let expected)):
            #expect(state == expected)
        case (.failure(let error), .none):
            #expect(error.from == c.from)
        case (.success(let state), .none):
            Issue.record("expected an invalid transition, got \(state)")
        case (.failure(let error), .some):
            Issue.record("unexpected \(error)")
        }
    }

    @Test func finalStatesAreExactlyCompletedFailedRejected() {
        #expect(TaskState.allCases.filter(\.isFinal) == [.completed, .failed, .rejected])
    }

    @Test func resultsAccumulateUntilNumberResultsAreStored() throws {
        var state = TaskState.queued
        state = try TaskLifecycle.next(from: state, on: .accepted, numberResults: 3)
        for stored in 1...2 {
            state = try TaskLifecycle.next(from: state, on: .resultsProgressed(stored: stored, failed: 0), numberResults: 3)
            #expect(state == .submitted)
        }
        state = try TaskLifecycle.next(from: state, on: .resultsProgressed(stored: 3, failed: 0), numberResults: 3)
        #expect(state == .completed)
    }
}
