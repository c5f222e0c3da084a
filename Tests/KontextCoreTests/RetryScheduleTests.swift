import KontextCore
import Testing

@Suite struct RetryScheduleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let schedule: RetrySchedule
        let failures: Int
        let retryAfter: Double?
        let draw: Double
        let expected: Double
        var testDescription: String { "\(schedule.initial)…\(schedule.maximum) after \(failures), retryAfter \(retryAfter.map { "\($0)" } ?? "-"), draw \(draw)" }
    }

    static let cases: [Case] = [
        Case(schedule: RetrySchedule(initial: 0.25, maximum: 8), failures: 1, retryAfter: nil, draw: 0, expected: 0.25),
        Case(schedule: RetrySchedule(initial: 0.25, maximum: 8), failures: 1, retryAfter: nil, draw: 1, expected: 0.3125),
        Case(schedule: RetrySchedule(initial: 0.25, maximum: 8), failures: 3, retryAfter: nil, draw: 0, expected: 1),
        Case(schedule: RetrySchedule(initial: 0.25, maximum: 8), failures: 6, retryAfter: nil, draw: 0, expected: 8),
        Case(schedule: RetrySchedule(initial: 0.25, maximum: 8), failures: 20, retryAfter: nil, draw: 1, expected: 10),
        Case(schedule: .transientSubmission, failures: 0, retryAfter: nil, draw: 0, expected: 1),
        Case(schedule: .transientSubmission, failures: 7, retryAfter: nil, draw: 0, expected: 60),
        Case(schedule: .transientSubmission, failures: Int.max, retryAfter: nil, draw: 0, expected: 60),
        Case(schedule: .transientSubmission, failures: 1, retryAfter: 30, draw: 0.5, expected: 30),
        Case(schedule: .transientSubmission, failures: 3, retryAfter: 2, draw: 0, expected: 4),
        Case(schedule: .transientSubmission, failures: 1, retryAfter: 1_000_000, draw: 0, expected: 3600),
        Case(schedule: .pausedSubmission, failures: 1, retryAfter: nil, draw: 0, expected: 30),
        Case(schedule: .pausedSubmission, failures: 5, retryAfter: nil, draw: 0, expected: 300),
        Case(schedule: RetrySchedule(initial: 1, maximum: 60, jitter: 0), failures: 2, retryAfter: nil, draw: 1, expected: 2),
    ]

    @Test(arguments: cases) func delays(_ item: Case) {
        #expect(item.schedule.delay(afterFailures: item.failures, retryAfter: item.retryAfter, jitterDraw: item.draw) == item.expected)
    }

    @Test func randomJitterStaysWithinItsShare() {
        let schedule = RetrySchedule(initial: 0.25, maximum: 8, jitter: 0.25)
        for (failures, base) in [(1, 0.25), (2, 0.5), (3, 1.0), (6, 8.0), (20, 8.0)] {
            for _ in 0..<50 {
                let delay = schedule.delay(afterFailures: failures)
                #expect(delay >= base && delay <= base * 1.25, "failures \(failures): \(delay)")
            }
        }
    }
}
