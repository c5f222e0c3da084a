import KontextDaemon
import Testing

@Suite struct RetryScheduleTests {
    @Test func delaysDoubleUpToTheCapWithBoundedJitter() {
        let schedule = RetrySchedule(initial: 0.25, maximum: 8, jitter: 0.25)
        for (failures, base) in [(1, 0.25), (2, 0.5), (3, 1.0), (6, 8.0), (20, 8.0)] {
            for _ in 0..<50 {
                let delay = schedule.delay(afterFailures: failures)
                #expect(delay >= base && delay <= base * 1.25, "failures \(failures): \(delay)")
            }
        }
    }

    @Test func retryAfterIsHonouredWhenLonger() {
        let schedule = RetrySchedule(initial: 1, maximum: 60, jitter: 0)
        #expect(schedule.delay(afterFailures: 1, retryAfter: 30) == 30)
        #expect(schedule.delay(afterFailures: 3, retryAfter: 2) == 4)
    }
}
