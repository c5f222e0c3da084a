import ArgumentParser
import Foundation
import KontextCore

/// `kontextd spend`: what Runware reported spending today and in total, the limits, the estimate
/// used for new tasks, held tasks and the last days.
struct SpendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spend", abstract: "Show spend (today UTC, total), budget limits and held tasks.")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await reportingFailures {
            let admin = try client.adminClient()
            defer { admin.shutdown() }
            let (status, body) = try await admin.call("GET", "/v1/spend")
            guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
            if client.json {
                FileHandleOutput.standardOutput(JSONCoding.encodeString(body))
                return
            }
            FileHandleOutput.standardOutput(Self.report(body))
        }
    }

    /// The spend report for people.
    static func report(_ body: JSONValue) -> String {
        func usd(_ value: JSONValue?) -> String { value?.doubleValue.map(SpendControl.usd) ?? "no limit" }
        var lines = [
            "today (\(body["day"]?.stringValue ?? "?") UTC): \(usd(body["todayUSD"]))   limit budget.dailyUSD: \(usd(body["dailyLimitUSD"]))",
            "total:                  \(usd(body["totalUSD"]))   limit budget.totalUSD: \(usd(body["totalLimitUSD"]))",
            "estimate per image: \(usd(body["estimatedImageCostUSD"])) (\(body["estimateSource"]?.stringValue ?? "?")); "
                + "images on their way: \(body["outstandingImages"]?.int64Value ?? 0); held tasks: \(body["held"]?.int64Value ?? 0)",
        ]
        let held = body["heldTasks"]?.arrayValue ?? []
        if !held.isEmpty {
            lines.append("")
            lines.append(
                TaskReport.table(
                    held.map { [$0["taskUUID"]?.stringValue ?? "?", "\($0["numberResults"]?.int64Value ?? 1)", $0["heldReason"]?.stringValue ?? ""] },
                    header: ["HELD TASK", "RESULTS", "REASON"]))
        }
        let days = body["days"]?.arrayValue ?? []
        if !days.isEmpty {
            lines.append("")
            lines.append(
                TaskReport.table(
                    days.map { [$0["day"]?.stringValue ?? "?", usd($0["usd"]), "\($0["images"]?.int64Value ?? 0)"] },
                    header: ["DAY (UTC)", "SPENT", "IMAGES"]))
        }
        return lines.joined(separator: "\n")
    }
}
