import ArgumentParser
import Foundation
import KontextCore

/// `kontextd sync`: downstream sync status and repairs.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Downstream sync: status, retry dead letters, backfill a sink.",
        subcommands: [Status.self, Retry.self, Backfill.self], defaultSubcommand: Status.self)

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each sink's backlog, oldest pending age, failures and dead letters.")

        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await reportingFailures {
                let admin = AdminClient(baseURL: client.adminURL)
                defer { admin.shutdown() }
                let (status, body) = try await admin.call("GET", "/v1/sync")
                guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
                if client.json {
                    FileHandleOutput.standardOutput(JSONCoding.encodeString(body))
                    return
                }
                let sinks = body["sinks"]?.objectValue ?? [:]
                if sinks.isEmpty {
                    FileHandleOutput.standardOutput("no sinks configured (sync.sinks)")
                    return
                }
                let rows: [[String]] = sinks.keys.sorted().map { name in
                    let sink = sinks[name]!
                    return [
                        name, sink["type"]?.stringValue ?? "?", sink["state"]?.stringValue ?? "?",
                        "\(sink["backlog"]?.int64Value ?? 0)", String(format: "%.1fs", sink["oldestPendingSeconds"]?.doubleValue ?? 0),
                        "\(sink["failing"]?.int64Value ?? 0)", "\(sink["attempts"]?.int64Value ?? 0)",
                        "\(sink["deadLetters"]?.int64Value ?? 0)", "\(sink["delivered"]?.int64Value ?? 0)",
                        sink["pausedReason"]?.stringValue ?? sink["lastError"]?.stringValue ?? "",
                    ]
                }
                FileHandleOutput.standardOutput(
                    TaskReport.table(
                        rows,
                        header: ["SINK", "TYPE", "STATE", "BACKLOG", "OLDEST", "FAILING", "ATTEMPTS", "DEAD", "DELIVERED", "LAST ERROR"]))
                if sinks.values.contains(where: { $0["state"]?.stringValue != "ok" }) { throw ExitCode(1) }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put dead letters back in line (every sink's, or one).")

        @Option(help: "Only this sink's dead letters.")
        var sink: String?

        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await reportingFailures {
                let query = sink.map { "?sink=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
                let body = try await SyncCommand.post("/v1/sync/retry" + query, client: client)
                FileHandleOutput.standardOutput(
                    client.json ? JSONCoding.encodeString(body) : "requeued \(body["requeued"]?.int64Value ?? 0) dead letters")
            }
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enqueue everything already stored for a sink (one added later catches up).")

        @Option(help: "The sink to catch up.")
        var sink: String

        @OptionGroup var client: ClientOptions

        func run() async throws {
            try await reportingFailures {
                let encoded = sink.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? sink
                let body = try await SyncCommand.post("/v1/sync/backfill?sink=\(encoded)", client: client)
                FileHandleOutput.standardOutput(
                    client.json ? JSONCoding.encodeString(body) : "enqueued \(body["enqueued"]?.int64Value ?? 0) deliveries for \(sink)")
            }
        }
    }

    static func post(_ path: String, client: ClientOptions) async throws -> JSONValue {
        let admin = AdminClient(baseURL: client.adminURL)
        defer { admin.shutdown() }
        // The admin listener takes POSTs only as JSON (browser safety): the sink is in the query.
        let (status, body) = try await admin.call("POST", path, body: .object([:]))
        guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
        return body
    }
}
