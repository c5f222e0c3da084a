import KontextDaemon
import KontextTesting
import Testing

/// Every wait here ends only by the event under test (a nudge, the manual clock passing the
/// timeout, cancellation); a broken signal hangs and the time limit fails the test.
@Suite(.timeLimit(.minutes(1))) struct WorkSignalTests {
    @Test func aNudgeBeforeTheWaitIsNotLost() async {
        let clock = ManualClock()
        let signal = WorkSignal(clock: clock)
        signal.notify()
        await signal.wait(timeout: .seconds(30))
        #expect(clock.sleepers == 0)
    }

    @Test func aNudgeWakesAWaiter() async {
        let clock = ManualClock()
        let signal = WorkSignal(clock: clock)
        let waiter = Task { await signal.wait(timeout: .seconds(30)) }
        await clock.waitForSleepers(1)
        signal.notify()
        await waiter.value
        // The timeout's sleep ended with the wait: no timer outlives it.
        #expect(clock.sleepers == 0)
    }

    @Test func theTimeoutEndsTheWaitOnTheMonotonicClock() async {
        let clock = ManualClock()
        let signal = WorkSignal(clock: clock)
        let waiter = Task { await signal.wait(timeout: .seconds(30)) }
        await clock.waitForSleepers(1)
        // A wall-clock jump moves no monotonic deadline.
        clock.jumpWallClock(by: 86_400)
        #expect(clock.sleepers == 1)
        clock.advance(by: .seconds(30))
        await waiter.value
        #expect(clock.sleepers == 0)
    }

    @Test func cancellationEndsTheWait() async {
        let clock = ManualClock()
        let signal = WorkSignal(clock: clock)
        let waiter = Task { await signal.wait(timeout: .seconds(30)) }
        await clock.waitForSleepers(1)
        waiter.cancel()
        await waiter.value
        #expect(clock.sleepers == 0)
    }

    @Test func aNudgeDuringOneWaitIsNotCarriedIntoTheNext() async {
        let clock = ManualClock()
        let signal = WorkSignal(clock: clock)
        signal.notify()
        signal.notify()
        await signal.wait(timeout: .seconds(30))
        // Two nudges coalesce into one: the next wait sleeps until its timeout.
        let waiter = Task { await signal.wait(timeout: .seconds(5)) }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(5))
        await waiter.value
    }
}
