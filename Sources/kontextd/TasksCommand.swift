import ArgumentParser
import Foundation
import KontextCore

/// `kontextd tasks`: a page of tasks, newest last, optionally of one state.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List tasks (paginated).")

    @Option(help: "Only tasks in this state: queued, held, submitted, completed, failed, rejected.")
    var state: String?

    @Option(help: "At most this many tasks (1–1000).")
    var limit: Int = 50

    @Option(help: "The cursor printed by the previous page.")
    var after: String?

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await reportingFailures {
            var query = ["limit=\(limit)"]
            if let state { query.append("state=\(state)") }
            if let after { query.append("after=\(after.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? after)") }
            let admin = try client.adminClient()
            defer { admin.shutdown() }
            let (status, body) = try await admin.call("GET", "/v1/tasks?" + query.joined(separator: "&"))
            guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
            if client.json {
                FileHandleOutput.standardOutput(JSONCoding.encodeString(body))
                return
            }
            let rows: [[String]] = (body["tasks"]?.arrayValue ?? []).map { task in
                [
                    task["taskUUID"]?.stringValue ?? "?", task["state"]?.stringValue ?? "?",
                    "\(task["numberResults"]?.int64Value ?? 1)", task["outputFormat"]?.stringValue ?? "",
                    task["error"]?["code"]?.stringValue ?? "",
                ]
            }
            FileHandleOutput.standardOutput(TaskReport.table(rows, header: ["TASK", "STATE", "RESULTS", "FORMAT", "ERROR"]))
            if let cursor = body["nextCursor"]?.stringValue {
                FileHandleOutput.standardOutput("more: kontextd tasks --after \(cursor)")
            }
        }
    }
}
