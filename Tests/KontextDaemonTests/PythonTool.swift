import Foundation
import Testing

/// The Python tools of the test virtualenv (`scripts/test-env.sh`; `make test` passes its path as
/// KONTEXTD_TEST_VENV). A test that needs them runs when they are there, and under CI=true it
/// runs (and fails) even when they are not: a missing tool is never a silent pass in CI.
enum TestVenv {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static var python: String? {
        let environment = ProcessInfo.processInfo.environment
        let candidates = [environment["KONTEXTD_TEST_VENV"], repositoryRoot + "/.venv-test"].compactMap { $0 }
        return candidates.map { $0 + "/bin/python" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether the tests that drive Python tools run: the venv is there, or CI demands them.
    static var enabled: Bool { python != nil || ProcessInfo.processInfo.environment["CI"] == "true" }

    static func script(_ name: String) -> String { repositoryRoot + "/scripts/test/" + name }
}

/// A Python helper process: started with the venv's interpreter, its first stdout line read,
/// stopped by closing its stdin and terminating it by its own pid.
final class PythonProcess {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    /// The first line the script printed (its port, or its JSON description).
    private(set) var firstLine = ""

    init(_ script: String, _ arguments: [String]) throws {
        let python = try #require(TestVenv.python, "the test virtualenv is missing: run scripts/test-env.sh (make test does)")
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestVenv.script(script)] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else { break }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        firstLine = String(decoding: line, as: UTF8.self)
        if firstLine.isEmpty {
            kill(process.processIdentifier, SIGKILL)
            throw PythonToolError(message: "\(script) printed nothing (exit \(process.isRunning ? "-" : "\(process.terminationStatus)"))")
        }
    }

    /// Sends one command line on stdin and returns the one line the script answers with.
    func send(_ command: String) throws -> String {
        try input.fileHandleForWriting.write(contentsOf: Data((command + "\n").utf8))
        var line: [UInt8] = []
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else {
                throw PythonToolError(message: "the script ended before answering \(command)")
            }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Closes stdin (the scripts exit at its end: a test runner's children may have SIGTERM
    /// blocked) and, should it still run, kills it by its pid.
    func stop() {
        try? input.fileHandleForWriting.close()
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Runs a script to completion and returns its stdout.
    static func run(_ script: String, _ arguments: [String]) throws -> String {
        let python = try #require(TestVenv.python, "the test virtualenv is missing: run scripts/test-env.sh (make test does)")
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestVenv.script(script)] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonToolError(message: "\(script) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct PythonToolError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
