import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A script of `scripts/test/` run by the test virtualenv's Python (KONTEXTD_TEST_VENV, which
/// `make test` sets, else the checkout's `.venv-test`), with pipes on stdin and stdout: it prints
/// one line first (its address or description), answers each command line with one line, and
/// exits when stdin closes. moto's S3 server and the S3 fault proxy run this way.
final class VenvScript {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    /// The first line the script printed.
    private(set) var firstLine: [UInt8] = []

    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static var python: String? {
        let candidates = [ProcessInfo.processInfo.environment["KONTEXTD_TEST_VENV"], checkout + "/.venv-test"].compactMap { $0 }
        return candidates.map { $0 + "/bin/python" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs where the venv is, and always under CI=true (where a missing venv fails the test).
    static var enabled: Bool { python != nil || ProcessInfo.processInfo.environment["CI"] == "true" }

    init(_ script: String, _ arguments: [String]) throws {
        let python = try #require(Self.python, "the test virtualenv is missing: run scripts/test-env.sh (make test does)")
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.checkout + "/scripts/test/" + script] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        firstLine = readLine()
    }

    /// Sends one command line and returns the script's one-line answer.
    func send(_ command: String) throws -> String {
        try input.fileHandleForWriting.write(contentsOf: Data((command + "\n").utf8))
        return String(decoding: readLine(), as: UTF8.self)
    }

    private func readLine() -> [UInt8] {
        var line: [UInt8] = []
        while let byte = output.fileHandleForReading.readData(ofLength: 1).first, byte != UInt8(ascii: "\n") { line.append(byte) }
        return line
    }

    /// Runs another script of `scripts/test/` to its end and returns its stdout.
    static func run(_ script: String, _ arguments: [String]) throws -> [UInt8] {
        let python = try #require(Self.python, "the test virtualenv is missing: run scripts/test-env.sh (make test does)")
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [checkout + "/scripts/test/" + script] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(script) exited with \(process.terminationStatus)")
        return Array(data)
    }

    /// Closes stdin (the script ends) and, should it still run, kills it by its pid.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
