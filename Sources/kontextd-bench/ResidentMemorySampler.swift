import Foundation
import Synchronization

/// Samples `ResidentMemory` on its own thread every `interval` while running, keeping the peak.
///
/// A plain thread (not the Swift concurrency pool) so the sampling keeps its pace when the pool
/// is saturated by the load being measured.
final class ResidentMemorySampler: Sendable {
    private struct State {
        var running = true
        var finished = false
        var peak = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Starts sampling at once (one sample is taken before this returns).
    init(interval: Duration = .milliseconds(50)) {
        record()
        let microseconds = UInt32(
            interval.components.seconds * 1_000_000 + interval.components.attoseconds / 1_000_000_000_000)
        let thread = Thread { [self] in
            while state.withLock({ $0.running }) {
                usleep(microseconds)
                record()
            }
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.finished = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        thread.name = "kontextd-bench-rss"
        thread.start()
    }

    private func record() {
        guard let bytes = ResidentMemory.current() else { return }
        state.withLock { $0.peak = max($0.peak, bytes) }
    }

    /// Stops the thread and returns the peak resident set size seen, in bytes.
    func stop() async -> Int {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyFinished = state.withLock { state -> Bool in
                state.running = false
                if state.finished { return true }
                state.waiter = continuation
                return false
            }
            if alreadyFinished { continuation.resume() }
        }
        record()
        return state.withLock { $0.peak }
    }
}
