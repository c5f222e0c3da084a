import KontextDaemon
import Testing

@Suite struct WorkSignalTests {
    @Test func aNudgeBeforeTheWaitIsNotLost() async {
        let signal = WorkSignal()
        signal.notify()
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await signal.wait(timeout: .seconds(30)) }
        #expect(elapsed < .seconds(25))
    }

    @Test func aNudgeWakesAWaiter() async {
        let signal = WorkSignal()
        let clock = ContinuousClock()
        async let waited: Duration = clock.measure { await signal.wait(timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        signal.notify()
        #expect(await waited < .seconds(25))
    }

    @Test func cancellationEndsTheWait() async {
        let signal = WorkSignal()
        let waiter = Task { await signal.wait(timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await waiter.value }
        #expect(elapsed < .seconds(25))
    }
}
