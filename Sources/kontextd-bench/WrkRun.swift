import Foundation

/// One `wrk` run as a subprocess: `wrk -t<threads> -c<connections> -d<seconds>s --latency -s <script> <url> -- <args>`.
///
/// wrk runs in its own process, so its CPU use competes with the daemon's on the same machine
/// (as it does for the baseline measured beside each figure) but its memory is not counted.
struct WrkRun: Sendable {
    /// wrk's threads (`-t`).
    var threads: Int = 2
    /// Open connections in total (`-c`).
    var connections: Int = 64
    /// Run length in seconds (`-d`).
    var seconds: Int = 10
    /// The Lua script (`-s`).
    var script: String
    /// The target URL (scheme, host and port; scripts set paths).
    var url: String
    /// Arguments handed to the script's `init(args)`.
    var scriptArguments: [String] = []

    /// The command line, as it would be typed.
    var commandLine: String {
        (["wrk"] + arguments).joined(separator: " ")
    }

    private var arguments: [String] {
        ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--timeout", "10s", "--latency", "-s", script, url, "--"]
            + scriptArguments
    }

    /// Runs wrk to the end and parses what it printed. Throws when wrk cannot start, exits
    /// non-zero or prints nothing parseable.
    func run() async throws -> WrkReport {
        let arguments = self.arguments
        let (status, output, errors) = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<(Int32, String, String), any Error>) in
            // Process and pipe reads block: a plain thread keeps them off the Swift concurrency pool.
            let thread = Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["wrk"] + arguments
                let standardOutput = Pipe()
                let standardError = Pipe()
                process.standardOutput = standardOutput
                process.standardError = standardError
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: BenchError("cannot start wrk (is it installed? apt-get install wrk): \(error)"))
                    return
                }
                let output = standardOutput.fileHandleForReading.readDataToEndOfFile()
                let errors = standardError.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (
                    process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self)))
            }
            thread.name = "kontextd-bench-wrk"
            thread.start()
        }
        guard status == 0 else {
            throw BenchError("\(commandLine) exited with status \(status): \(errors)\(output)")
        }
        return try WrkReport.parse(output)
    }
}
