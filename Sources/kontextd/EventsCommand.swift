import ArgumentParser
import Foundation
import KontextCore

/// `kontextd events`: the daemon's event log (images stored, tasks finished), from a cursor on.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print stored-image and finished-task events; --follow keeps printing new ones.")

    @Option(help: "Start after this cursor (printed as the first column, or nextCursor with --json); 0 for the beginning.")
    var after: String = "0"

    @Option(help: "Events per request (1–1000).")
    var limit: Int = 100

    @Flag(help: "Keep waiting for new events (long-poll) until interrupted.")
    var follow = false

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await reportingFailures {
            let admin = AdminClient(baseURL: client.adminURL)
            defer { admin.shutdown() }
            var cursor = after
            while true {
                let wait = follow ? 25 : 0
                let (status, body) = try await admin.call(
                    "GET", "/v1/events?after=\(cursor)&limit=\(limit)&wait=\(wait)", timeout: Double(wait) + 30)
                guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
                let events = body["events"]?.arrayValue ?? []
                for item in events {
                    FileHandleOutput.standardOutput(
                        client.json ? JSONCoding.encodeString(item) : Self.line(item))
                }
                cursor = body["nextCursor"]?.stringValue ?? cursor
                if !follow && events.count < limit { return }
            }
        }
    }

    /// One event for people: cursor, time, type and what it is about.
    static func line(_ item: JSONValue) -> String {
        let event = item["event"]
        let data = event?["data"]
        var fields = [
            item["cursor"]?.stringValue ?? "?", event?["timestamp"]?.stringValue ?? "?", event?["type"]?.stringValue ?? "?",
            "task=\(data?["taskUUID"]?.stringValue ?? "?")",
        ]
        if let image = data?["imageUUID"]?.stringValue {
            fields.append("image=\(image)")
            fields.append("\(data?["format"]?.stringValue ?? "?") \(data?["width"]?.int64Value ?? 0)x\(data?["height"]?.int64Value ?? 0)")
            fields.append("sha256=\(data?["sha256"]?.stringValue ?? "?")")
        } else {
            fields.append("state=\(data?["state"]?.stringValue ?? "?")")
            if let first = data?["errors"]?.arrayValue?.first {
                fields.append("error=\(first["code"]?.stringValue ?? "?"): \(first["message"]?.stringValue ?? "")")
            }
        }
        return fields.joined(separator: "  ")
    }
}
