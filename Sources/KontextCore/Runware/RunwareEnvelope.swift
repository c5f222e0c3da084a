/// The items of one Runware body: a submit response, a `getResponse` answer or a webhook POST.
///
/// Runware's shapes vary (protocol notes: some documented, some assumed), so every known variant
/// is accepted: the bare result object, `{"data":[...]}`, `{"errors":[...]}`, both together,
/// `{"data":[]}`, the singular `{"error":{...},"taskUUID":...,"taskType":...}`, and a bare object
/// with `"status":"error"`. Unknown fields are never rejected; each item keeps its raw JSON.
public struct RunwareEnvelope: Sendable, Hashable {
    /// Every item in body order: `data` items, then `errors` items, then a singular `error`.
    public var items: [RunwareItem]

    /// Creates an envelope holding `items`.
    public init(items: [RunwareItem]) { self.items = items }

    /// The finished images, in body order.
    public var results: [ImageResult] {
        items.compactMap { if case .result(let result) = $0 { return result } else { return nil } }
    }

    /// The failures, in body order.
    public var failures: [RunwareError] {
        items.compactMap { if case .failure(let error) = $0 { return error } else { return nil } }
    }

    /// Parses a body from its bytes; throws when it is not JSON or not a shape Runware uses.
    public static func parse(_ bytes: [UInt8]) throws(RunwareParseError) -> RunwareEnvelope {
        let value: JSONValue
        do {
            value = try JSONCoding.parse(bytes)
        } catch {
            throw RunwareParseError(message: "not JSON (\(error.message))")
        }
        return try parse(value)
    }

    /// Parses an already-decoded body; throws naming the item and rule when an item is malformed
    /// (a result without `taskUUID` or without exactly one image field, a pending item without
    /// `taskUUID`, `data` that is not an array, ...).
    public static func parse(_ value: JSONValue) throws(RunwareParseError) -> RunwareEnvelope {
        guard let body = value.objectValue else {
            throw RunwareParseError(message: "the body is a JSON \(value.typeName), expected an object")
        }
        let data = try list(body, "data")
        let errors = try list(body, "errors")
        let singular = body["error"].flatMap { $0 == .null ? nil : $0 }

        // Neither wrapper: the body is itself one item (a webhook's bare result or error).
        if data == nil && errors == nil && singular == nil {
            return RunwareEnvelope(items: [try item(value, at: "body")])
        }
        var items: [RunwareItem] = []
        for (index, element) in (data ?? []).enumerated() {
            items.append(try item(element, at: "data[\(index)]"))
        }
        for (index, element) in (errors ?? []).enumerated() {
            items.append(.failure(try failure(element, at: "errors[\(index)]")))
        }
        if let singular {
            guard singular.objectValue != nil || singular.stringValue != nil else {
                throw RunwareParseError(message: "\"error\" is a JSON \(singular.typeName), expected an object or a string")
            }
            // The singular form keeps the task identity beside the error, so read from the whole body.
            let error = RunwareError(reading: value)
            items.append(.failure(error))
        }
        return RunwareEnvelope(items: items)
    }

    private static func list(_ body: [String: JSONValue], _ key: String) throws(RunwareParseError) -> [JSONValue]? {
        guard let member = body[key], member != .null else { return nil }
        guard let elements = member.arrayValue else {
            throw RunwareParseError(message: "\"\(key)\" is a JSON \(member.typeName), expected an array")
        }
        return elements
    }

    private static func failure(_ element: JSONValue, at place: String) throws(RunwareParseError) -> RunwareError {
        guard element.objectValue != nil || element.stringValue != nil else {
            throw RunwareParseError(message: "\(place) is a JSON \(element.typeName), expected an error object")
        }
        return RunwareError(reading: element)
    }

    private static let imageFields = ["imageURL", "imageBase64Data", "imageDataURI"]

    private static func item(_ element: JSONValue, at place: String) throws(RunwareParseError) -> RunwareItem {
        guard let object = element.objectValue else {
            throw RunwareParseError(message: "\(place) is a JSON \(element.typeName), expected an object")
        }
        let status = object["status"]?.stringValue
        let normalizedStatus = status?.lowercased()
        if normalizedStatus == "error" {
            return .failure(RunwareError(reading: element))
        }
        let taskUUID = try identifier(object, "taskUUID", at: place)
        let taskType = object["taskType"]?.stringValue
        let imageUUID = try identifier(object, "imageUUID", at: place)

        guard let imageUUID, normalizedStatus == nil || normalizedStatus == "success" else {
            guard let taskUUID else {
                throw RunwareParseError(message: "\(place) has no taskUUID (an item without imageUUID must name its task)")
            }
            return .pending(taskUUID: taskUUID, taskType: taskType, status: status)
        }
        guard let taskUUID else {
            throw RunwareParseError(message: "\(place) (imageUUID \(imageUUID)) has an image but no taskUUID")
        }
        let present = imageFields.filter { object[$0] != nil && object[$0] != .null }
        guard present.count == 1, let field = present.first else {
            let problem = present.isEmpty
                ? "has imageUUID but no image field"
                : "has several image fields (\(present.joined(separator: ", ")))"
            throw RunwareParseError(
                message: "\(place) (imageUUID \(imageUUID)) \(problem); expected exactly one of \(imageFields.joined(separator: ", "))")
        }
        guard let text = object[field]?.stringValue, !text.isEmpty else {
            let what = object[field]?.stringValue == nil ? "a JSON \(object[field]?.typeName ?? "null")" : "an empty string"
            throw RunwareParseError(message: "\(place) (imageUUID \(imageUUID)): \(field) is \(what), expected a non-empty string")
        }
        let source: ImageSource
        switch field {
        case "imageURL": source = .url(text)
        case "imageBase64Data": source = .base64(text)
        default: source = .dataURI(text)
        }
        return .result(ImageResult(
            taskUUID: taskUUID,
            imageUUID: imageUUID,
            source: source,
            seed: object["seed"]?.uint64Value,
            nsfwContent: (object["NSFWContent"] ?? object["nsfwContent"])?.boolValue,
            cost: object["cost"]?.doubleValue,
            status: status,
            raw: element))
    }

    /// A present identifier must be a non-empty string; absent (or null) gives nil.
    private static func identifier(_ object: [String: JSONValue], _ key: String, at place: String) throws(RunwareParseError) -> String? {
        guard let member = object[key], member != .null else { return nil }
        guard let text = member.stringValue, !text.isEmpty else {
            let what = member.stringValue == nil ? "a JSON \(member.typeName)" : "an empty string"
            throw RunwareParseError(message: "\(place): \(key) is \(what), expected a non-empty string")
        }
        return text
    }
}

/// One thing a Runware body says about a task: an image, a failure, or "not done yet".
public enum RunwareItem: Sendable, Hashable {
    /// A finished image.
    case result(ImageResult)
    /// A failure scoped to a task (or to the whole request when it names no task).
    case failure(RunwareError)
    /// An acknowledgement or a still-running generation: `status` processing, pending or any
    /// other non-terminal value, or a bare `{taskType, taskUUID}`.
    case pending(taskUUID: String, taskType: String?, status: String?)
}

/// Why a Runware body (submit response, `getResponse` answer or webhook) could not be understood.
///
/// The message names what was wrong and where: not JSON, `"data"` not an array, `data[2]` with an
/// `imageUUID` but no image field, and so on; it is meant to be logged and shown as is.
public struct RunwareParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, naming the item (`data[2]`, `errors[0]`, `body`) and the rule it broke.
    public let message: String

    /// Creates an error carrying `message`.
    public init(message: String) { self.message = message }

    public var description: String { "unreadable Runware body: \(message)" }
}
