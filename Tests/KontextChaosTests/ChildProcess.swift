import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
enum ChildExit: Sendable, Hashable, CustomStringConvertible {
    /// It called exit with this status.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)

    var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}

/// Why a child process could not be started or did not behave.
struct ChildProcessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A child process started with `posix_spawn` and reaped with `waitpid` by its own pid.
///
/// Not Foundation's `Process`: that class is not `Sendable` and reaps on its own; here the pid is
/// all the state, so the test can signal and reap it from any task. The child gets default
/// signal dispositions and an empty signal mask (as under systemd), whatever the test runner
/// has set for itself; stdin is /dev/null and stdout and stderr are appended to `logPath`.
struct ChildProcess: Sendable {
    /// The child's process id.
    let pid: pid_t

    /// Starts `arguments[0]` (an absolute path) with exactly `environment`.
    static func spawn(_ arguments: [String], environment: [String: String], logPath: String) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw ChildProcessError(message: "posix_spawn \(arguments[0]) failed: \(String(cString: strerror(status)))")
        }
        return ChildProcess(pid: pid)
    }

    /// Runs a command to completion and returns how it ended (output goes to `logPath`).
    static func run(_ arguments: [String], logPath: String = "/dev/null") async throws -> ChildExit {
        let child = try spawn(arguments, environment: ProcessInfo.processInfo.environment, logPath: logPath)
        guard let exit = await child.waitForExit(timeout: 30) else {
            child.signal(SIGKILL)
            _ = await child.waitForExit(timeout: 5)
            throw ChildProcessError(message: "\(arguments.joined(separator: " ")) did not finish within 30 s")
        }
        return exit
    }

    /// Sends `signal` to the child.
    func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Reaps the child if it has ended; nil while it still runs.
    func exitIfEnded() -> ChildExit? {
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        guard reaped == pid else { return nil }
        if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(status & 0x7f)
    }

    /// Waits (polling, without blocking a thread) until the child ends; nil after `timeout` seconds.
    func waitForExit(timeout: Double) async -> ChildExit? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let exit = exitIfEnded() { return exit }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return exitIfEnded()
    }
}
