/// An error object reported by Runware: an element of `"errors":[...]`, the singular
/// `"error":{...}` of a pre-stream failure, or an item carrying `"status":"error"`.
///
/// Every field is optional on the wire; missing ones get neutral values so a failure is never
/// dropped for being terse. `raw` keeps the object exactly as received.
package struct RunwareError: Sendable, Hashable, CustomStringConvertible {
    /// Runware's error code (`invalidApiKey`, `conflictTaskUUID`, ...); `"unknown"` when absent.
    package var code: String
    /// Runware's human message; `""` when absent.
    package var message: String
    /// The offending parameter; a list (cross-field violation) is joined with `", "`.
    package var parameter: String?
    /// The task the error is scoped to, when Runware said so.
    package var taskUUID: String?
    /// The task type the error is scoped to, when Runware said so.
    package var taskType: String?
    /// Runware's documentation link for the error, when given.
    package var documentation: String?
    /// The error as received: the error object itself, or, for the singular
    /// `{"error":{...},"taskUUID":...}` form, the whole body (which carries the task identity).
    package var raw: JSONValue

    /// Creates an error from its parts.
    package init(
        code: String, message: String, parameter: String? = nil, taskUUID: String? = nil,
        taskType: String? = nil, documentation: String? = nil, raw: JSONValue
    ) {
        self.code = code
        self.message = message
        self.parameter = parameter
        self.taskUUID = taskUUID
        self.taskType = taskType
        self.documentation = documentation
        self.raw = raw
    }

    /// Reads an error from `value`: an object (fields taken from a nested `"error"` object first,
    /// then from the object itself, so both the singular envelope and flat items work) or a bare
    /// string, taken as the message.
    init(reading value: JSONValue) {
        guard let outer = value.objectValue else {
            let text = value.stringValue ?? JSONCoding.encodeString(value)
            self.init(code: "unknown", message: text, raw: value)
            return
        }
        let inner = outer["error"]?.objectValue
        func field(_ key: String) -> JSONValue? {
            if let found = inner?[key], found != .null { return found }
            if let found = outer[key], found != .null { return found }
            return nil
        }
        // A singular `"error": "text"` carries only a message.
        let innerText = outer["error"]?.stringValue
        self.init(
            code: field("code").map(Self.text) ?? "unknown",
            message: field("message").map(Self.text) ?? innerText ?? "",
            parameter: field("parameter").map(Self.parameterText),
            taskUUID: field("taskUUID").map(Self.text),
            taskType: field("taskType").map(Self.text),
            documentation: field("documentation").map(Self.text),
            raw: value)
    }

    package var description: String {
        var text = "Runware error \(code)"
        if !message.isEmpty { text += ": \(message)" }
        var context: [String] = []
        if let parameter { context.append("parameter \(parameter)") }
        if let taskType { context.append("taskType \(taskType)") }
        if let taskUUID { context.append("task \(taskUUID)") }
        if !context.isEmpty { text += " (\(context.joined(separator: ", ")))" }
        return text
    }

    // Runware documents these as strings; anything else is shown as its JSON rather than dropped.
    private static func text(_ value: JSONValue) -> String {
        value.stringValue ?? JSONCoding.encodeString(value)
    }

    private static func parameterText(_ value: JSONValue) -> String {
        if let list = value.arrayValue { return list.map(text).joined(separator: ", ") }
        return text(value)
    }
}
