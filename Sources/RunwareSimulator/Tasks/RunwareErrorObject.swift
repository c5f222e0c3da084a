import KontextCore

/// One Runware error object as the simulator sends it:
/// `{"code","message","parameter","taskType","taskUUID","documentation"}` plus `status:"error"`
/// where Runware reports a failed generation (protocol notes, "Response envelope").
struct RunwareErrorObject: Sendable, Hashable {
    var code: String
    var message: String
    var parameter: String?
    var taskType: String?
    var taskUUID: String?
    var documentation: String?
    var status: String?

    static let documentationBase = "https://runware.ai/docs/en/image-inference/api-reference"

    var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let parameter { object["parameter"] = .string(parameter) }
        if let taskType { object["taskType"] = .string(taskType) }
        if let taskUUID { object["taskUUID"] = .string(taskUUID) }
        if let documentation { object["documentation"] = .string(documentation) }
        if let status { object["status"] = .string(status) }
        return .object(object)
    }

    /// runware-sdk 1.8's error item: `{"taskType","taskUUID","status":"error","error":{"code","message",...}}`.
    var nestedItem: JSONValue {
        var inner: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let parameter { inner["parameter"] = .string(parameter) }
        if let documentation { inner["documentation"] = .string(documentation) }
        var object: [String: JSONValue] = ["status": .string("error"), "error": .object(inner)]
        if let taskType { object["taskType"] = .string(taskType) }
        if let taskUUID { object["taskUUID"] = .string(taskUUID) }
        return .object(object)
    }

    /// The failure codes of runware-sdk 1.8's catalog a failed generation reports.
    static let generationFailureCodes = ["inferenceError", "processingFailed", "taskFailed", "timeoutProvider"]

    /// The failure code for a task, drawn from its UUID so every answer about it agrees.
    static func generationFailureCode(for taskUUID: String) -> String {
        let sum = taskUUID.utf8.reduce(0) { ($0 &+ Int($1)) & 0xFFFF }
        return generationFailureCodes[sum % generationFailureCodes.count]
    }

    /// The 401 answer to a missing or wrong API key, worded as Runware words it.
    static let invalidAPIKey = RunwareErrorObject(
        code: "invalidApiKey",
        message: "Invalid API key. Get one at https://my.runware.ai/keys",
        parameter: "apiKey", taskType: "authentication",
        documentation: "https://runware.ai/docs/en/getting-started/how-to-connect#authentication")

    /// A validation issue as Runware reports it: `invalid` + the capitalised name of the
    /// offending member (`steps` → `invalidSteps`, `lora[1].weight` → `invalidWeight`;
    /// a missing member gives `missing…`), `parameter` the full path.
    static func invalidParameter(_ issue: ValidationIssue, taskUUID: String?) -> RunwareErrorObject {
        let name = parameterName(of: issue.field)
        let prefix = issue.value == "missing" ? "missing" : "invalid"
        return RunwareErrorObject(
            code: prefix + capitalised(name),
            message: "Invalid value for '\(issue.field)': \(issue.rule), got \(issue.value).",
            parameter: issue.field, taskType: "imageInference", taskUUID: taskUUID,
            documentation: documentationBase + "#request-" + name.lowercased())
    }

    /// The last member name of a path such as `inputs.referenceImages[0]` (→ `referenceImages`).
    static func parameterName(of field: String) -> String {
        let last = field.split(separator: ".").last.map(String.init) ?? field
        let name = last.split(separator: "[").first.map(String.init) ?? last
        return name.isEmpty ? "parameter" : name
    }

    static func capitalised(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.uppercased() + name.dropFirst()
    }
}
