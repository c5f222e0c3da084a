import Foundation

/// Runs this same executable with other arguments and waits for it: for work whose memory
/// (large pixel buffers, a big SQLite cache) must not stay in the measured process's RSS.
enum ChildProcess {
    /// Runs `/proc/self/exe arguments…`; throws when it cannot start or exits non-zero.
    static func run(_ arguments: [String], purpose: String) async throws {
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            // waitUntilExit blocks: a plain thread keeps it off the Swift concurrency pool.
            let thread = Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
                process.arguments = arguments
                do {
                    try process.run()
                    process.waitUntilExit()
                    continuation.resume(returning: process.terminationStatus)
                } catch {
                    continuation.resume(throwing: BenchError("cannot start the child process for \(purpose): \(error)"))
                }
            }
            thread.start()
        }
        guard status == 0 else { throw BenchError("the child process for \(purpose) exited with status \(status)") }
    }
}
