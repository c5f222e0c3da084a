import ArgumentParser
import Foundation
import KontextCore
import KontextCrypto
import KontextDaemon
import Logging
import RunwareSimulator
import UnixSignals

/// `kontextd demo`: the whole loop on the embedded Runware simulator — the four reference
/// examples submitted over the admin API, generated, delivered by webhook, fetched, verified
/// and stored — then a table of what was stored. Exits 0 only if all four completed and verified.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the four reference examples end to end on the embedded Runware simulator.")

    @Option(help: "State directory for this run (default: a new temporary directory).")
    var stateDir: String?

    @Option(help: "Simulated generation time per task, in seconds.")
    var delay: Double = 0.5

    @Option(help: "Give up after this many seconds.")
    var timeout: Double = 120

    @Option(help: "Log level of the embedded daemon and simulator (logs go to stderr).")
    var logLevel: Logger.Level = .notice

    @Flag(help: "Keep the daemon and simulator running afterwards (look at the dashboard), until Ctrl-C or SIGTERM.")
    var keep = false

    func run() async throws {
        StandardErrorLogging.bootstrap(level: logLevel)
        try await reportingFailures { try await runDemo() }
    }

    private func say(_ line: String) { FileHandleOutput.standardOutput(line) }

    private func runDemo() async throws {
        let logger = Logger(label: "kontextd-demo")
        let stateDirectory = stateDir ?? (NSTemporaryDirectory() + "kontextd-demo-" + UUID().uuidString.prefix(8).lowercased())

        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.apiKey = "demo-" + Hex.encode(MessageAuthentication.randomBytes(count: 8))
        simulatorConfiguration.generationDelay = delay
        let simulator = RunwareSimulator(configuration: simulatorConfiguration, logger: Logger(label: "runware-sim"))
        _ = try await simulator.start()
        say("Runware simulator  \(simulator.baseURL)")

        var configuration = DaemonConfiguration(stateDirectory: stateDirectory)
        configuration.runware = .init(apiURL: simulator.baseURL + "/v1", apiKey: simulatorConfiguration.apiKey)
        configuration.webhook = .init(host: "127.0.0.1", port: 0, secret: MessageAuthentication.randomBytes(count: 32))
        configuration.admin = .init(host: "127.0.0.1", port: 0)
        configuration.images.allowedHosts = ["127.0.0.1"]
        // The simulator serves images over plain http on loopback: both must be allowed explicitly.
        configuration.images.allowHTTP = true
        configuration.images.allowPrivateAddresses = true
        configuration.pollInterval = 0.25
        let daemon: Daemon
        do {
            daemon = try Daemon(configuration: configuration, logger: logger)
        } catch {
            throw CommandFailure("cannot start the daemon: \(error)")
        }
        let ports = try await daemon.start()
        let running = Task { try await daemon.run() }
        say("kontextd           admin http://127.0.0.1:\(ports.admin)  webhooks http://127.0.0.1:\(ports.webhook)")
        say("dashboard          http://127.0.0.1:\(ports.admin)/")
        say("state              \(stateDirectory)")
        say("")

        let admin = AdminClient(baseURL: "http://127.0.0.1:\(ports.admin)")
        defer { admin.shutdown() }
        var outcome: Result<Void, any Error> = .success(())
        do {
            try await submitAndWatch(admin: admin, simulator: simulator, stateDirectory: stateDirectory)
        } catch {
            outcome = .failure(error)
        }
        if keep {
            say("")
            say("dashboard          http://127.0.0.1:\(ports.admin)/  (kept running: Ctrl-C to stop)")
            // Wait for the first SIGINT or SIGTERM, then shut down as below.
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
        }
        running.cancel()
        _ = try? await running.value
        await simulator.stop()
        try outcome.get()
    }

    private func submitAndWatch(admin: AdminClient, simulator: RunwareSimulator, stateDirectory: String) async throws {
        var uuids: [String] = []
        for example in ReferenceExamples.all {
            guard case .object(var request) = example.request else { continue }
            // The published reference images live on Runware's asset host; the simulator serves stand-ins.
            if let images = request["referenceImages"]?.arrayValue {
                request["referenceImages"] = .array(images.map { image in
                    let name = image.stringValue.map { ($0 as NSString).lastPathComponent } ?? "input.jpg"
                    return .string(simulator.baseURL + "/assets/inputs/" + name)
                })
            }
            // Ask for the price too, so the table can show what each image cost.
            request["includeCost"] = .bool(true)
            let (status, body) = try await admin.call("POST", "/v1/tasks", body: .object(request))
            guard status == 202 || status == 200, let uuid = body["taskUUID"]?.stringValue else {
                throw CommandFailure("\(example.title): \(AdminClient.errorMessage(body, status: status))")
            }
            uuids.append(uuid)
            say("queued    \(uuid)  \(example.title)")
        }
        say("")

        let deadline = ContinuousClock.now + .seconds(clamping: timeout)
        var details: [String: JSONValue] = [:]
        var lastLine = ""
        let started = ContinuousClock.now
        while true {
            for uuid in uuids {
                let (status, body) = try await admin.call("GET", "/v1/tasks/\(uuid)")
                if status == 200 { details[uuid] = body }
            }
            let states = uuids.map { details[$0]?["state"]?.stringValue ?? "?" }
            let stored = uuids.reduce(0) { $0 + Int(details[$1]?["storedResults"]?.int64Value ?? 0) }
            var counts: [String: Int] = [:]
            for state in states { counts[state, default: 0] += 1 }
            let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let line = String(format: "[%5.1fs] ", (ContinuousClock.now - started).secondsValue) + "\(summary); images stored \(stored)/\(uuids.count)"
            if line.dropFirst(9) != lastLine.dropFirst(9) { say(line) }
            lastLine = line
            if states.allSatisfy({ TaskState(rawValue: $0)?.isFinal == true }) { break }
            if ContinuousClock.now > deadline { throw CommandFailure.timedOut("tasks still running after \(Int(timeout)) s: \(summary)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        say("")

        let generated = Dictionary(simulator.generatedImages().map { ($0.imageUUID, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        var rows: [[String]] = []
        var problems: [String] = []
        for (example, uuid) in zip(ReferenceExamples.all, uuids) {
            guard let detail = details[uuid] else { continue }
            let state = detail["state"]?.stringValue ?? "?"
            if state != TaskState.completed.rawValue { problems.append("\(example.title): \(state)") }
            for result in detail["results"]?.arrayValue ?? [] {
                let imageUUID = result["imageUUID"]?.stringValue ?? "?"
                let sha = result["sha256"]?.stringValue ?? ""
                let dimensions: [Int64] = [result["width"]?.int64Value, result["height"]?.int64Value].compactMap { $0 }
                let size: String = dimensions.map { String($0) }.joined(separator: "x")
                if result["state"]?.stringValue == "stored" {
                    let onDisk = result["path"]?.stringValue.flatMap { FileManager.default.contents(atPath: $0) }.map { SHA256Digest.hexHash(Array($0)) }
                    if onDisk != sha { problems.append("\(imageUUID): file on disk does not hash to \(sha)") }
                    if generated[imageUUID] != sha { problems.append("\(imageUUID): stored bytes differ from what the simulator generated") }
                }
                let title: String = example.title.split(separator: " ").prefix(2).joined(separator: " ")
                let format: String = result["format"]?.stringValue ?? "-"
                let bytes: String = result["byteSize"]?.int64Value.map { String($0) } ?? "-"
                let shortSHA: String = sha.isEmpty ? "-" : String(sha.prefix(16)) + "…"
                let cost: String = result["cost"]?.doubleValue.map { String(format: "$%.4f", $0) } ?? "-"
                let row: [String] = [
                    title, String(uuid.prefix(8)), state, String(imageUUID.prefix(8)), format, size.isEmpty ? "-" : size,
                    bytes, shortSHA, cost,
                ]
                rows.append(row)
            }
        }
        say(TaskReport.table(rows, header: ["TASK", "UUID", "STATE", "IMAGE", "FORMAT", "SIZE", "BYTES", "SHA256", "COST"]))
        say("")
        say("images stored under \(stateDirectory)/images (content-addressed by SHA-256); database \(stateDirectory)/kontextd.sqlite3")
        guard problems.isEmpty else {
            throw CommandFailure("demo failed:\n  " + problems.joined(separator: "\n  "))
        }
        say("all \(uuids.count) tasks completed; every image verified (format, structure, dimensions, SHA-256)")
    }
}
