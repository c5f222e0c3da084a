import Foundation
import KontextCore

/// Polls tasks until each reaches a final state, showing progress on stderr: a live bar per
/// task redrawn in place on a terminal, plain lines (one per change) otherwise.
struct TaskWaiter {
    let admin: AdminClient
    let timeout: Double
    let announce: Bool
    var interval: Duration = .milliseconds(250)

    func waitForFinalState(_ uuid: String) async throws -> JSONValue {
        try await waitForFinalStates([uuid])[0]
    }

    /// Each task's final detail, in the order given.
    func waitForFinalStates(_ uuids: [String]) async throws -> [JSONValue] {
        let deadline = ContinuousClock.now + .seconds(clamping: timeout)
        var display = ProgressDisplay(terminal: announce && isatty(STDERR_FILENO) == 1, enabled: announce)
        var latest: [String: JSONValue] = [:]
        while true {
            for uuid in uuids where !(latest[uuid].map(Self.isFinal) ?? false) {
                let (status, body) = try await admin.call("GET", "/v1/tasks/\(uuid)")
                guard status == 200 else { throw CommandFailure(AdminClient.errorMessage(body, status: status)) }
                latest[uuid] = body
            }
            display.show(uuids.map { uuid in TaskProgress(latest[uuid] ?? .null, uuid: uuid) })
            if uuids.allSatisfy({ latest[$0].map(Self.isFinal) ?? false }) {
                display.finish()
                return uuids.map { latest[$0] ?? .null }
            }
            if ContinuousClock.now > deadline {
                display.finish()
                let waiting = uuids.filter { !(latest[$0].map(Self.isFinal) ?? false) }
                throw CommandFailure.timedOut("still running after \(Int(timeout)) s: \(waiting.joined(separator: ", "))")
            }
            try await Task.sleep(for: interval)
        }
    }

    static func isFinal(_ detail: JSONValue) -> Bool {
        detail["state"]?.stringValue.flatMap(TaskState.init(rawValue:))?.isFinal ?? false
    }
}

/// One task's progress as the CLI shows it.
struct TaskProgress: Equatable {
    var uuid: String
    var state: String
    var stored: Int
    var total: Int
    var note: String

    init(_ detail: JSONValue, uuid: String) {
        self.uuid = uuid
        state = detail["state"]?.stringValue ?? "?"
        stored = Int(detail["storedResults"]?.int64Value ?? 0)
        total = max(1, Int(detail["numberResults"]?.int64Value ?? 1))
        note = detail["heldReason"]?.stringValue ?? detail["error"]?["code"]?.stringValue ?? ""
    }

    /// `3f6e… [##########----------] 1/2 submitted`, the bar `width` characters wide.
    func bar(width: Int = 24) -> String {
        let filled = min(width, width * stored / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return "\(uuid) [\(bar)] \(stored)/\(total) \(state)\(note.isEmpty ? "" : " (\(note))")"
    }

    /// `3f6e…: submitted 1/2`, for logs and pipes.
    var line: String { "\(uuid): \(state) \(stored)/\(total)\(note.isEmpty ? "" : " (\(note))")" }
}

/// Draws progress on stderr. On a terminal the block of bars is redrawn in place (cursor up,
/// clear line); elsewhere a line is written only when a task's progress changed.
struct ProgressDisplay {
    let terminal: Bool
    let enabled: Bool
    private var drawn = 0
    private var last: [String: TaskProgress] = [:]

    init(terminal: Bool, enabled: Bool) {
        self.terminal = terminal
        self.enabled = enabled
    }

    mutating func show(_ tasks: [TaskProgress]) {
        guard enabled else { return }
        if terminal {
            var text = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
            for task in tasks { text += "\r\u{1B}[2K" + task.bar() + "\n" }
            FileHandle.standardError.write(Data(text.utf8))
            drawn = tasks.count
        } else {
            for task in tasks where last[task.uuid] != task {
                FileHandleOutput.standardError("  " + task.line)
                last[task.uuid] = task
            }
        }
    }

    mutating func finish() {
        drawn = 0
    }
}
