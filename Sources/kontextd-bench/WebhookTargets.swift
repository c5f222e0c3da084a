import Foundation

/// The Lua file `scripts/bench/webhooks.lua` reads: each task's UUID and its webhook path with
/// the task's real token, as the daemon hands them to Runware.
enum WebhookTargets {
    /// Writes `return { {"<uuid>", "/webhooks/runware/<uuid>?token=<token>"}, ... }` to `path`.
    static func write(taskUUIDs: [String], token: (String) -> String, to path: String) throws {
        var text = "return {\n"
        text.reserveCapacity(taskUUIDs.count * 140)
        for uuid in taskUUIDs {
            text += "{\"\(uuid)\",\"/webhooks/runware/\(uuid)?token=\(token(uuid))\"},\n"
        }
        text += "}\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
