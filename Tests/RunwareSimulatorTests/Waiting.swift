// The bound only limits how long a failing test waits: under a full parallel `swift test` (the
// chaos test renders hundreds of images in the same process) a healthy wait can take well over 10 s.
/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
/// A bound on waiting for background work, not an assertion about speed.
func eventually(within seconds: Double = 60, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
