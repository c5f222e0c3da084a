/// Waits until `condition` holds (checked every 20 ms) or `seconds` pass; returns whether it held.
///
/// For background work whose completion the test can observe (a row stored, a webhook posted):
/// the deadline only bounds how long a broken build makes the test hang, it is never the thing
/// asserted. The default is generous (60 s) because `make test` runs every suite at once on
/// small machines: a simulator rendering images on a starved concurrency pool is slow, not wrong. Never use it to prove something did NOT happen: wait for the event that shows the
/// system went quiet instead (the simulator's ledger, a worker's idle signal).
package func eventually(within seconds: Double = 60, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
