import Foundation
import KontextCore
import Logging
import Testing

@testable import RunwareSimulator

/// Where the official runware-sdk lives: the virtualenv `scripts/test-env.sh` creates, named by
/// `KONTEXTD_TEST_VENV` (`make test` sets it) or found at the package's `.venv-test/`.
enum SDKEnvironment {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = packageRoot.appendingPathComponent("scripts/runware-sdk-compat.py").path

    static var python: String? {
        let venv = ProcessInfo.processInfo.environment["KONTEXTD_TEST_VENV"].flatMap { $0.isEmpty ? nil : $0 }
            ?? packageRoot.appendingPathComponent(".venv-test").path
        let python = venv + "/bin/python"
        return FileManager.default.isExecutableFile(atPath: python) ? python : nil
    }

    /// Under CI a missing SDK is a failure, not a skip.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}

/// runware-sdk 1.8.0 (REST transport, `http_base_url` pointed at the simulator) against the
/// simulator: every answer shape the simulator sends — async acknowledgement and the SDK's own
/// polling, sync results, Runware's error envelope, progress items with `resultIndex` and
/// `progress`, flat and nested failure items with the SDK catalog's codes, unknown tasks — must
/// be accepted by the SDK unchanged and mean to it what it means to kontextd.
@Suite("runware-sdk 1.8.0 against the simulator", .serialized,
       .enabled(if: SDKEnvironment.python != nil || SDKEnvironment.isCI, "no .venv-test (run make test, or scripts/test-env.sh)"))
struct SDKCompatibilityTests {
    /// Runs one scenario of `scripts/runware-sdk-compat.py` against a fresh simulator with `faults`.
    func run(_ scenario: String, faults: FaultPlan = .none, taskUUID: String? = nil) async throws -> JSONValue {
        guard let python = SDKEnvironment.python else {
            Issue.record("CI=true but no test virtualenv with runware-sdk: run scripts/test-env.sh (make test does)")
            return .null
        }
        var logger = Logger(label: "sdk-compat-sim")
        logger.logLevel = .critical
        let simulator = RunwareSimulator(
            configuration: SimulatorConfiguration(apiKey: "sdk-compat-key", generationDelay: 0.1, faults: faults), logger: logger)
        _ = try await simulator.start()
        defer { Task { await simulator.stop() } }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            SDKEnvironment.script, "--base-url", simulator.endpointURL, "--api-key", "sdk-compat-key", "--scenario", scenario,
        ] + (taskUUID.map { ["--task-uuid", $0] } ?? [])
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let exited = AsyncStream<Int32> { continuation in
            process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        }
        try process.run()
        // A guard against a hung SDK, not a timing assertion: the scenarios take a few seconds.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(180))
            process.terminate()
        }
        var status: Int32 = -1
        for await code in exited { status = code }
        watchdog.cancel()
        await simulator.stop()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(status == 0, "runware-sdk-compat.py \(scenario) exited \(status): \(errors)")
        let text = String(decoding: output, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        return try JSONCoding.parse(text)
    }

    @Test("async: acknowledgement, then the SDK's own getResponse polling collects every result in resultIndex order")
    func asyncPolling() async throws {
        let output = try await run("async")
        let results = try #require(output["results"]?.arrayValue)
        #expect(results.count == 3)
        #expect(results.map { $0["resultIndex"] } == [.integer(0), .integer(1), .integer(2)])
        #expect(results.allSatisfy { $0["imageURL"]?.stringValue?.hasPrefix("http://127.0.0.1:") == true && $0["imageUUID"] != nil })
        #expect(results.allSatisfy { $0["taskUUID"] == output["taskUUID"] && $0["status"] == .string("success") })
        #expect(output["unexpected"] == nil)
    }

    @Test("sync: the results come back in the answer itself")
    func sync() async throws {
        let output = try await run("sync")
        let results = try #require(output["results"]?.arrayValue)
        #expect(results.count == 2)
        #expect(Set(results.compactMap { $0["seed"] }) == [.integer(42), .integer(43)])
    }

    @Test("an invalid task: the SDK surfaces the error with its code, parameter, status and task")
    func invalid() async throws {
        let output = try await run("invalid")
        #expect(output["error"] == .string("RunwareError"))
        #expect(output["code"] == .string("validation"))
        #expect(output["parameter"] == .string("steps"))
        #expect(output["statusCode"] == .integer(400))
        #expect(output["taskUUID"] == output["taskUUID"])
        #expect(output["message"]?.stringValue?.contains("steps") == true)
    }

    /// The SDK's category for each failure code the simulator sends. `timeoutProvider` is not
    /// in 1.8.0's catalog (its "Timeout" test is case-sensitive): the SDK still fails the call,
    /// as `unknown`.
    static func sdkCategory(of code: String) -> String {
        code == "timeoutProvider" ? "unknown" : "provider"
    }

    /// A task UUID for which the simulator's `[sim:fail]` reports `code`.
    static func taskUUID(failingWith code: String) -> String {
        while true {
            let uuid = UUID().uuidString.lowercased()
            if RunwareErrorObject.generationFailureCode(for: uuid) == code { return uuid }
        }
    }

    @Test("a failed generation, flat in errors or the SDK's nested item in data: the SDK reads each failure code",
          arguments: RunwareErrorObject.generationFailureCodes, [0.0, 1.0])
    func failed(code: String, nestedErrorRate: Double) async throws {
        let output = try await run("failed", faults: FaultPlan(nestedErrorRate: nestedErrorRate), taskUUID: Self.taskUUID(failingWith: code))
        let uuid = try #require(output["taskUUID"]?.stringValue)
        #expect(RunwareErrorObject.generationFailureCode(for: uuid) == code)
        #expect(output["error"] == .string("RunwareError"))
        #expect(output["code"] == .string(Self.sdkCategory(of: RunwareErrorObject.generationFailureCode(for: uuid))))
        #expect(output["message"]?.stringValue?.contains("[sim:fail]") == true)
        #expect(output["unexpected"] == nil)
    }

    @Test("a late task: processing items with progress and resultIndex reach the SDK's progress callback, then the result")
    func late() async throws {
        let output = try await run("late", faults: FaultPlan(lateTaskDelay: 2))
        #expect(output["results"]?.arrayValue?.count == 1)
        let progress = try #require(output["progress"]?.arrayValue)
        #expect(progress.first?["status"] == .string("processing"))
        #expect(progress.first?["progress"] == .integer(0))
        #expect(progress.first?["resultIndex"] == .integer(0))
    }

    @Test("an unknown task: taskNotFound and taskFailedOrNotFound are both the SDK's terminal notFound",
          arguments: [0.0, 1.0])
    func unknownTask(failedOrNotFoundRate: Double) async throws {
        let output = try await run("notFound", faults: FaultPlan(failedOrNotFoundRate: failedOrNotFoundRate))
        #expect(output["code"] == .string("notFound"))
        #expect(output["statusCode"] == .integer(400))
        #expect(output["unexpected"] == nil)
    }
}
