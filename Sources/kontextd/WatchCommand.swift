import ArgumentParser
import Foundation
import KontextCore

/// `kontextd watch`: live progress of tasks until they are final — the ones named, or every task
/// still queued, held or submitted.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Show live progress of tasks (default: every unfinished task) until they finish.")

    @Argument(help: "Task UUIDs (default: every task queued, held or submitted now).")
    var tasks: [String] = []

    @Option(help: "Give up after this many seconds.")
    var timeout: Double = 3600

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await reportingFailures {
            let admin = try client.adminClient()
            defer { admin.shutdown() }
            var uuids = tasks
            if uuids.isEmpty {
                for state in [TaskState.queued, .held, .submitted] {
                    let (status, body) = try await admin.call("GET", "/v1/tasks?state=\(state.rawValue)&limit=100")
                    guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
                    uuids += (body["tasks"]?.arrayValue ?? []).compactMap { $0["taskUUID"]?.stringValue }
                }
                if uuids.isEmpty {
                    FileHandleOutput.standardOutput("no unfinished tasks")
                    return
                }
            }
            let finals = try await TaskWaiter(admin: admin, timeout: timeout, announce: !client.json).waitForFinalStates(uuids)
            if client.json {
                FileHandleOutput.standardOutput(JSONCoding.encodeString(.array(finals)))
            } else {
                for (uuid, detail) in zip(uuids, finals) {
                    FileHandleOutput.standardOutput("\(uuid) \(detail["state"]?.stringValue ?? "?")")
                }
            }
            let unsuccessful = finals.filter { $0["state"]?.stringValue != TaskState.completed.rawValue }
            if !unsuccessful.isEmpty { throw CommandFailure("\(unsuccessful.count) of \(finals.count) tasks did not complete") }
        }
    }
}

/// `kontextd open TASK`: the dashboard URL of a task (to click, or to pass to a browser).
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Print the dashboard URL of a task.")

    @Argument(help: "The task UUID.")
    var task: String

    @OptionGroup var client: ClientOptions

    func run() throws {
        let base = client.adminURL.hasSuffix("/") ? String(client.adminURL.dropLast()) : client.adminURL
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        FileHandleOutput.standardOutput("\(base)/tasks/\(task.addingPercentEncoding(withAllowedCharacters: allowed) ?? task)")
    }
}
