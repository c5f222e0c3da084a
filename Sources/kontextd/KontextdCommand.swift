import ArgumentParser
import Foundation

/// `kontextd`: the daemon (`serve`) and the commands that talk to it.
@main
struct KontextdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kontextd",
        abstract: "Run FLUX.1 Kontext [dev] image edits on Runware, unattended: submit, receive, verify, store.",
        subcommands: [
            ServeCommand.self, SubmitCommand.self, StatusCommand.self, TasksCommand.self, DemoCommand.self, ConfigCommand.self,
            SpendCommand.self, WatchCommand.self, OpenCommand.self,
        ])
}

/// Options shared by the commands that talk to a running daemon's admin API.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("admin-url"), help: "The daemon's admin API (env KONTEXTD_ADMIN_URL).")
    var adminURL: String = Environment.value("KONTEXTD_ADMIN_URL") ?? "http://127.0.0.1:8786"

    @Option(
        name: .customLong("admin-token-file"),
        help: "A file holding the admin API's bearer token, when the daemon has one (env KONTEXTD_ADMIN_TOKEN_FILE).")
    var adminTokenFile: String?

    @Flag(help: "Print JSON for scripts instead of text for people.")
    var json = false

    /// A client for `adminURL`, sending the token from `adminTokenFile` when one is given.
    func adminClient() throws -> AdminClient {
        guard let adminTokenFile = adminTokenFile ?? Environment.value("KONTEXTD_ADMIN_TOKEN_FILE") else {
            return AdminClient(baseURL: adminURL)
        }
        guard let data = FileManager.default.contents(atPath: adminTokenFile) else {
            throw CommandFailure("--admin-token-file: must name a readable file, got \(adminTokenFile)")
        }
        // Files written by editors and `echo` end in a newline that is not part of the token.
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CommandFailure("--admin-token-file: the file \(adminTokenFile) is empty") }
        return AdminClient(baseURL: adminURL, token: token)
    }
}
