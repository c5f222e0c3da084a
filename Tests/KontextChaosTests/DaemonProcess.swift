import KontextTesting
import Foundation
import KontextCore
import KontextDaemon
import KontextNet
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The real `kontextd serve` binary as a child process, configured only through `KONTEXTD_*`
/// environment variables, on loopback ports fixed for its whole life (so the webhook URLs the
/// simulator holds stay valid across restarts).
///
/// Everything it writes to stderr is appended to `logPath` (one file across restarts, each start
/// marked); `logTail()` gives its end for failure messages. Dropping the last reference SIGKILLs
/// a child still running, so a failed test leaves no daemon behind.
final class DaemonProcess: Sendable {
    /// The scratch directory of this daemon (its log lives here).
    let directory: String
    /// `KONTEXTD_STATE_DIRECTORY`: the SQLite file, `images/` and `tmp/`.
    let stateDirectory: String
    /// Where the daemon's stderr goes.
    let logPath: String
    let adminPort: Int
    let webhookPort: Int
    /// The webhook secret the daemon derives tokens from.
    let webhookSecret: String
    /// The exact environment every start gets.
    let environment: [String: String]
    let client = CurlHTTPClient(configuration: .init(threads: 6, userAgent: "kontextd-chaos-tests"))
    private let child = Mutex<ChildProcess?>(nil)
    private let startCount = Mutex(0)

    var adminURL: String { "http://127.0.0.1:\(adminPort)" }
    var webhookBaseURL: String { "http://127.0.0.1:\(webhookPort)" }

    /// Prepares (does not start) a daemon talking to `runwareURL` with `apiKey`.
    ///
    /// `stateDirectory` defaults to `state/` inside a fresh scratch directory; `settings` are
    /// extra or overriding environment variables.
    init(runwareURL: String, apiKey: String, stateDirectory: String? = nil, settings: [String: String] = [:]) throws {
        directory = try makeTemporaryDirectory(prefix: "kontextd-chaos")
        self.stateDirectory = stateDirectory ?? directory + "/state"
        logPath = directory + "/kontextd.log"
        let ports = try FreePorts.pick(2)
        adminPort = ports[0]
        webhookPort = ports[1]
        webhookSecret = "chaos-webhook-secret-" + UUID().uuidString.lowercased()
        var environment: [String: String] = [
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": NSTemporaryDirectory(),
            "KONTEXTD_STATE_DIRECTORY": self.stateDirectory,
            "KONTEXTD_RUNWARE_API_URL": runwareURL,
            "KONTEXTD_RUNWARE_API_KEY": apiKey,
            "KONTEXTD_WEBHOOK_HOST": "127.0.0.1",
            "KONTEXTD_WEBHOOK_PORT": "\(webhookPort)",
            "KONTEXTD_WEBHOOK_SECRET": webhookSecret,
            "KONTEXTD_ADMIN_HOST": "127.0.0.1",
            "KONTEXTD_ADMIN_PORT": "\(adminPort)",
            "KONTEXTD_IMAGES_ALLOWED_HOSTS": "127.0.0.1",
            "KONTEXTD_IMAGES_ALLOW_HTTP": "true",
            "KONTEXTD_IMAGES_ALLOW_PRIVATE_ADDRESSES": "true",
            "KONTEXTD_POLL_INTERVAL": "0.1",
            "KONTEXTD_RECONCILE_OVERDUE_AFTER": "3",
            "KONTEXTD_RECONCILE_INTERVAL": "1",
            "KONTEXTD_IMAGES_STALL_SECONDS": "2",
            "KONTEXTD_IMAGES_DOWNLOAD_TIMEOUT": "5",
            "KONTEXTD_RUNWARE_REQUEST_TIMEOUT": "2",
        ]
        for (key, value) in settings { environment[key] = value }
        self.environment = environment
    }

    deinit {
        if let child = child.withLock({ $0 }) {
            child.signal(SIGKILL)
            var status: Int32 = 0
            waitpid(child.pid, &status, 0)
        }
        client.close()
    }

    /// The `kontextd` executable of this build: next to the test bundle, else `.build/debug`
    /// above this source file, else `$KONTEXTD_BINARY`.
    static func binaryPath(filePath: String = #filePath) throws -> String {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["KONTEXTD_BINARY"] { candidates.append(override) }
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("kontextd").path)
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("kontextd").path)
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                candidates.append(directory.appendingPathComponent(".build/debug/kontextd").path)
                break
            }
            directory.deleteLastPathComponent()
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ChildProcessError(
                message: "no kontextd binary (build it first: swift build --product kontextd); looked at \(candidates)")
        }
        return found
    }

    /// True while a started child has not been reaped.
    var isRunning: Bool { child.withLock { $0 != nil } }

    /// The child's pid while it runs.
    var pid: pid_t? { child.withLock { $0?.pid } }

    /// How many times the daemon was started.
    var starts: Int { startCount.withLock { $0 } }

    /// Starts `kontextd serve` (logging at `logLevel`) and waits until `GET /healthz` answers (any status).
    func start(timeout: Double = 60, logLevel: String = "info", arguments: [String] = []) async throws {
        precondition(!isRunning, "start() while the daemon runs")
        let generation = startCount.withLock { count -> Int in
            count += 1
            return count
        }
        let marker = "\n===== chaos test: start #\(generation) at \(Date()) =====\n"
        if let handle = FileHandle(forWritingAtPath: logPath) ?? createLog() {
            handle.seekToEndOfFile()
            handle.write(Data(marker.utf8))
            try? handle.close()
        }
        let spawned = try ChildProcess.spawn(
            [try Self.binaryPath(), "serve", "--log-level", logLevel] + arguments, environment: environment, logPath: logPath)
        child.withLock { $0 = spawned }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let exit = spawned.exitIfEnded() {
                child.withLock { $0 = nil }
                throw ChildProcessError(message: "kontextd exited during start-up (\(exit)):\n\(logTail())")
            }
            var probe = HTTPClientRequest(method: "GET", url: adminURL + "/healthz", timeout: 2)
            probe.connectTimeout = 1
            if (try? await client.execute(probe)) != nil { return }
            guard Date() < deadline else {
                throw ChildProcessError(message: "kontextd did not answer /healthz within \(timeout) s:\n\(logTail())")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func createLog() -> FileHandle? {
        FileManager.default.createFile(atPath: logPath, contents: nil)
        return FileHandle(forWritingAtPath: logPath)
    }

    /// SIGKILL: the daemon gets no chance to finish anything. Waits until it is reaped.
    func kill9() async throws {
        guard let running = child.withLock({ $0 }) else { throw ChildProcessError(message: "kill9() with no daemon running") }
        running.signal(SIGKILL)
        guard let exit = await running.waitForExit(timeout: 15) else {
            throw ChildProcessError(message: "kontextd pid \(running.pid) survived SIGKILL for 15 s")
        }
        child.withLock { $0 = nil }
        guard exit == .signaled(SIGKILL) else {
            throw ChildProcessError(message: "kontextd had already ended (\(exit)) before SIGKILL:\n\(logTail())")
        }
    }

    /// SIGTERM, then waits (up to `timeout`) for the exit and returns how it ended; a daemon
    /// still running then is SIGKILLed and reported as an error.
    func terminate(timeout: Double = 30) async throws -> ChildExit {
        guard let running = child.withLock({ $0 }) else { throw ChildProcessError(message: "terminate() with no daemon running") }
        running.signal(SIGTERM)
        guard let exit = await running.waitForExit(timeout: timeout) else {
            running.signal(SIGKILL)
            _ = await running.waitForExit(timeout: 10)
            child.withLock { $0 = nil }
            throw ChildProcessError(message: "kontextd did not exit within \(timeout) s of SIGTERM:\n\(logTail())")
        }
        child.withLock { $0 = nil }
        return exit
    }

    /// Kills a daemon still running and deletes the scratch directory (not a state directory
    /// that lives elsewhere, such as a mount point).
    func discard() async {
        if let running = child.withLock({ $0 }) {
            running.signal(SIGKILL)
            _ = await running.waitForExit(timeout: 10)
            child.withLock { $0 = nil }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The daemon's resident memory (VmRSS of /proc/<pid>/status) in bytes; nil when it is not running.
    func residentBytes() -> Int? {
        guard let pid, let data = FileManager.default.contents(atPath: "/proc/\(pid)/status") else { return nil }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        guard let kilobytes = line?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kilobytes * 1024
    }

    /// The whole log so far.
    func logText() -> String {
        FileManager.default.contents(atPath: logPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The last `lines` lines of the daemon's log.
    func logTail(lines: Int = 60) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log at \(logPath))" }
        let text = String(decoding: data, as: UTF8.self)
        return "--- last \(lines) lines of \(logPath) ---\n" + text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    // MARK: HTTP

    /// A request to the admin API, answered as status and JSON (null when the body is not JSON).
    func admin(_ method: String, _ path: String, json: JSONValue? = nil, timeout: Double = 10) async throws -> (status: Int, body: JSONValue) {
        let response = try await client.execute(
            HTTPClientRequest(
                method: method, url: adminURL + path,
                headers: json == nil ? [] : [HTTPHeader(name: "Content-Type", value: "application/json")],
                body: json.map(JSONCoding.encode), timeout: timeout))
        return (response.status, (try? JSONCoding.parse(response.body)) ?? .null)
    }

    /// The webhook URL the daemon gives Runware for `taskUUID`, with its real token.
    func webhookURL(_ taskUUID: String) -> String {
        let token = WebhookToken(key: Array(webhookSecret.utf8)).token(for: taskUUID)
        return "\(webhookBaseURL)/webhooks/runware/\(taskUUID)?token=\(token)"
    }

    /// POSTs `body` to the task's webhook URL, as Runware would.
    func deliverWebhook(_ taskUUID: String, body: JSONValue, timeout: Double = 10) async throws -> HTTPClientResponse {
        try await client.execute(
            HTTPClientRequest(
                method: "POST", url: webhookURL(taskUUID), headers: [HTTPHeader(name: "Content-Type", value: "application/json")],
                body: JSONCoding.encode(body), timeout: timeout))
    }

    /// The reconciler's repairs: `/healthz` `repairs` (counted in the database, so across
    /// restarts) or the `kontextd_reconciler_repairs_total` metric (this run only), the larger;
    /// nil when neither answers.
    func repairs() async -> Int? {
        var found: [Int] = []
        if let health = try? await admin("GET", "/healthz", timeout: 3).body {
            if let value = health["repairs"]?.int64Value {
                found.append(Int(value))
            } else if case .object(let fields)? = health["repairs"] {
                found.append(fields.values.compactMap(\.int64Value).reduce(0) { $0 + Int($1) })
            }
        }
        if let metrics = try? await client.execute(HTTPClientRequest(method: "GET", url: adminURL + "/metrics", timeout: 3)) {
            let total = String(decoding: metrics.body, as: UTF8.self).split(separator: "\n")
                .filter { $0.hasPrefix("kontextd_reconciler_repairs_total") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            if !total.isEmpty { found.append(Int(total.reduce(0, +))) }
        }
        return found.max()
    }
}
