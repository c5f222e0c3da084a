import Dispatch
import Foundation

/// Waits for SIGINT or SIGTERM. The default actions are ignored from creation on, so a signal
/// arriving before `wait()` is still seen (DispatchSource queues it) instead of killing the process.
/// Not `Sendable`: created and awaited by the one command that owns it.
final class TerminationSignal {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            // Defined outside main.swift on purpose: a main.swift closure would be @MainActor
            // and trap when Dispatch calls it on a global queue.
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// The number of the first termination signal received.
    func wait() async -> Int32 {
        for await number in stream { return number }
        return SIGTERM
    }
}
