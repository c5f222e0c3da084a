import ArgumentParser

/// A command that ran but did not succeed: prints the message on stderr and exits non-zero.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }
}

extension CommandFailure {
    /// Exit codes: 1 the command failed (task failed, rejected, invalid), 2 the daemon could not
    /// be reached or answered unexpectedly, 3 timed out waiting.
    static func unreachable(_ message: String) -> CommandFailure { CommandFailure(message, exitCode: 2) }
    static func timedOut(_ message: String) -> CommandFailure { CommandFailure(message, exitCode: 3) }
}

/// Runs a command body, turning `CommandFailure` into its message on stderr and its exit code.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CommandFailure {
        FileHandleOutput.standardError("kontextd: \(failure.message)")
        throw ExitCode(failure.exitCode)
    }
}
