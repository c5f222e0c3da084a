import ArgumentParser
import KontextCore

/// `kontextd status UUID`: one task's state, results and errors.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a task: state, every result with its metadata, errors.")

    @Argument(help: "The task's UUID.")
    var taskUUID: String

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await reportingFailures {
            let admin = try client.adminClient()
            defer { admin.shutdown() }
            let (status, body) = try await admin.call("GET", "/v1/tasks/\(taskUUID)")
            guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
            FileHandleOutput.standardOutput(client.json ? JSONCoding.encodeString(body) : TaskReport.detail(body))
        }
    }
}
