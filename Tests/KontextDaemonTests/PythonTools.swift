import Foundation
import Testing

/// The Python tools `make test` installs (scripts/test-env.sh) and the real programs they drive.
///
/// A test that needs them runs when they are present, or always under CI=true, where a missing
/// tool is a failure rather than a skip.
enum PythonTools {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardizedFileURL.path

    /// The test virtualenv: KONTEXTD_TEST_VENV (set by `make test`), else the repository's `.venv-test`.
    static var virtualenv: String? {
        let candidates = [ProcessInfo.processInfo.environment["KONTEXTD_TEST_VENV"], repository + "/.venv-test"]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0 + "/bin/python") }
    }

    static var underCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// True when `programs` (paths) and the virtualenv exist — or under CI, where the test must run and fail.
    static func available(_ programs: [String] = []) -> Bool {
        underCI || (virtualenv != nil && programs.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) })
    }

    /// The path of a program in the virtualenv, or a recorded failure naming what is missing.
    static func tool(_ name: String, alongside programs: [String] = []) -> String? {
        for program in programs where !FileManager.default.isExecutableFile(atPath: program) {
            Issue.record("\(program) is missing: run scripts/install-deps.sh (make test does)")
            return nil
        }
        guard let virtualenv else {
            Issue.record("no test virtualenv: run scripts/test-env.sh (make test does) or set KONTEXTD_TEST_VENV")
            return nil
        }
        let path = virtualenv + "/bin/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            Issue.record("\(path) is missing: run scripts/test-env.sh")
            return nil
        }
        return path
    }

    /// Runs a program to its end and returns its exit status and combined output (kept in a file,
    /// so a chatty program never blocks on a full pipe).
    /// `directory` is the working directory (tools such as schemathesis keep caches there).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil
    ) async throws -> (status: Int32, output: String) {
        let log = NSTemporaryDirectory() + "kontextd-tool-" + UUID().uuidString + ".log"
        FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try handle.close()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (status, output)
    }
}
