import Foundation
import KontextCore

/// Valid `imageInference` task objects for FLUX.1 Kontext [dev], as Runware receives them.
enum TaskFixture {
    static func uuid() -> String { UUID().uuidString.lowercased() }

    /// A minimal valid task, with `extra` members merged over it.
    static func task(
        uuid: String = TaskFixture.uuid(), prompt: String = "Turn the reference photo into a watercolour",
        extra: [String: JSONValue] = [:]
    ) -> JSONValue {
        var members: [String: JSONValue] = [
            "taskType": .string("imageInference"), "taskUUID": .string(uuid), "model": .string("runware:106@1"),
            "positivePrompt": .string(prompt),
            "referenceImages": .array([.string("https://assets.runware.ai/assets/inputs/d63ac405.jpg")]),
        ]
        members.merge(extra) { _, new in new }
        return .object(members)
    }

    static func getResponse(_ uuid: String) -> JSONValue {
        .object(["taskType": .string("getResponse"), "taskUUID": .string(uuid)])
    }

    static func authentication(_ key: String) -> JSONValue {
        .object(["taskType": .string("authentication"), "apiKey": .string(key)])
    }
}

extension JSONValue {
    /// `data` of a Runware envelope (empty when absent).
    var dataItems: [JSONValue] { self["data"]?.arrayValue ?? [] }
    /// `errors` of a Runware envelope (empty when absent).
    var errorItems: [JSONValue] { self["errors"]?.arrayValue ?? [] }
}
