import ArgumentParser

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

    @Flag(help: "Print JSON for scripts instead of text for people.")
    var json = false
}
