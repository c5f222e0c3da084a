import Foundation
import KontextCore

/// Polls a task's status until it reaches a final state, printing state changes on stderr.
struct TaskWaiter {
    let admin: AdminClient
    let timeout: Double
    let announce: Bool

    func waitForFinalState(_ uuid: String) async throws -> JSONValue {
        let deadline = ContinuousClock.now + .seconds(clamping: timeout)
        var last = ""
        while true {
            let (status, body) = try await admin.call("GET", "/v1/tasks/\(uuid)")
            guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
            let state = body["state"]?.stringValue ?? "?"
            let progress = "\(state) \(body["storedResults"]?.int64Value ?? 0)/\(body["numberResults"]?.int64Value ?? 1)"
            if announce && progress != last { FileHandleOutput.standardError("  \(uuid): \(progress)") }
            last = progress
            if let parsed = TaskState(rawValue: state), parsed.isFinal { return body }
            if ContinuousClock.now > deadline { throw CommandFailure.timedOut("task \(uuid) still \(state) after \(Int(timeout)) s") }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
