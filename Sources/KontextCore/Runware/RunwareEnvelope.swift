/// The items of one Runware body: a submit response, a `getResponse` answer or a webhook POST.
///
/// Runware's shapes vary (protocol notes: some documented, some assumed, some only known from
/// its SDKs), so a body is split into items first and each item is read on its own: understood
/// (a result, a failure, a pending or progress frame) or kept raw as `.unrecognised` with the
/// reason, never hiding the items around it. Accepted bodies: the bare item, a bare JSON array
/// of items, `{"data":[...]}`, `{"errors":[...]}`, both together, `{"data":[]}`, `{}`, the
/// singular `{"error":{...},"taskUUID":...}`, a bare object with `"status":"error"`, and the
/// SDK's item `{"status":"error","error":{"code","message"},"taskUUID"}`. Unknown fields are
/// never rejected; each item keeps its raw JSON.
package struct RunwareEnvelope: Sendable, Hashable {
    /// Every item in body order: `data` items, then `errors` items, then a singular `error`.
    package var items: [RunwareItem]

    /// Creates an envelope holding `items`.
    package init(items: [RunwareItem]) { self.items = items }

    /// The finished images, in body order.
    package var results: [ImageResult] {
        items.compactMap { if case .result(let result) = $0 { return result } else { return nil } }
    }

    /// The failures, in body order.
    package var failures: [RunwareError] {
        items.compactMap { if case .failure(let error) = $0 { return error } else { return nil } }
    }

    /// The acknowledgements and progress frames, in body order.
    package var progress: [RunwareProgress] {
        items.compactMap { if case .pending(let frame) = $0 { return frame } else { return nil } }
    }

    /// The items that could not be understood, each with its reason, in body order.
    package var unrecognised: [UnrecognisedItem] {
        items.compactMap { if case .unrecognised(let item) = $0 { return item } else { return nil } }
    }

    /// How many items were understood (everything but `.unrecognised`).
    package var understoodCount: Int { items.count - unrecognised.count }

    /// Parses a body from its bytes with the byte-level JSON parser. Throws only when nothing in
    /// it can be an item: not JSON, or a JSON scalar. Malformed items become `.unrecognised`.
    package static func parse(_ bytes: [UInt8]) throws(RunwareParseError) -> RunwareEnvelope {
        let value: JSONValue
        do {
            value = try JSONCoding.parse(bytes)
        } catch {
            throw RunwareParseError(message: "not JSON (\(error.message))")
        }
        return try parse(value)
    }

    /// Parses an already-decoded body; throws only for a JSON scalar (no item can be in it).
    package static func parse(_ value: JSONValue) throws(RunwareParseError) -> RunwareEnvelope {
        if let elements = value.arrayValue {
            // A bare array of items: what the SDK's `_extract_items` accepts too.
            return RunwareEnvelope(items: elements.enumerated().map { item($1, at: "body[\($0)]") })
        }
        guard let body = value.objectValue else {
            throw RunwareParseError(message: "the body is a JSON \(value.typeName), expected an object or an array")
        }
        let data = body["data"].flatMap { $0 == .null ? nil : $0 }
        let errors = body["errors"].flatMap { $0 == .null ? nil : $0 }
        let singular = body["error"].flatMap { $0 == .null ? nil : $0 }

        // Neither wrapper: the body is itself one item (a webhook's bare result or error), or
        // nothing at all (`{}`).
        if data == nil && errors == nil && singular == nil {
            return RunwareEnvelope(items: body.isEmpty ? [] : [item(value, at: "body")])
        }
        var items: [RunwareItem] = []
        switch data {
        case nil: break
        case .array(let elements)?:
            for (index, element) in elements.enumerated() { items.append(item(element, at: "data[\(index)]")) }
        case let single? where single.objectValue != nil:
            // One item where a list was expected: read it rather than lose it.
            items.append(item(single, at: "data"))
        case let other?:
            items.append(.unrecognised(UnrecognisedItem(
                place: "data", reason: "\"data\" is a JSON \(other.typeName), expected an array", raw: other)))
        }
        switch errors {
        case nil: break
        case .array(let elements)?:
            for (index, element) in elements.enumerated() { items.append(failure(element, at: "errors[\(index)]")) }
        case let other?:
            items.append(failure(other, at: "errors"))
        }
        if let singular {
            if singular.objectValue != nil || singular.stringValue != nil {
                // The singular form keeps the task identity beside the error, so read from the whole body.
                items.append(.failure(RunwareError(reading: value)))
            } else {
                items.append(.unrecognised(UnrecognisedItem(
                    place: "error", reason: "\"error\" is a JSON \(singular.typeName), expected an object or a string",
                    raw: value)))
            }
        }
        return RunwareEnvelope(items: items)
    }

    private static func failure(_ element: JSONValue, at place: String) -> RunwareItem {
        guard element.objectValue != nil || element.stringValue != nil else {
            return .unrecognised(UnrecognisedItem(
                place: place, reason: "a JSON \(element.typeName), expected an error object", raw: element))
        }
        return .failure(RunwareError(reading: element))
    }

    private static let imageFields = ["imageURL", "imageBase64Data", "imageDataURI"]

    /// Reads one item. The order mirrors runware-sdk 1.8's collector: an error item first, then
    /// an image field makes a result, then anything naming its task is an acknowledgement or a
    /// progress frame (an `imageUUID` without an image field is one, as is `status: success`
    /// without an image).
    static func item(_ element: JSONValue, at place: String) -> RunwareItem {
        guard let object = element.objectValue else {
            return .unrecognised(UnrecognisedItem(
                place: place, reason: "a JSON \(element.typeName), expected an object", raw: element))
        }
        func unrecognised(_ reason: String, task: String? = nil) -> RunwareItem {
            .unrecognised(UnrecognisedItem(place: place, reason: reason, taskUUID: task, raw: element))
        }
        let status = object["status"]?.stringValue
        if status?.lowercased() == "error" || object["error"]?.objectValue != nil {
            return .failure(RunwareError(reading: element))
        }
        let taskUUID: String?
        let imageUUID: String?
        switch (identifier(object, "taskUUID"), identifier(object, "imageUUID")) {
        case (.failure(let problem), _), (_, .failure(let problem)):
            return unrecognised(problem.text, task: object["taskUUID"]?.stringValue)
        case (.success(let task), .success(let image)):
            (taskUUID, imageUUID) = (task, image)
        }
        let resultIndex = object["resultIndex"]?.int64Value.flatMap { Int(exactly: $0) }
        let present = imageFields.filter { object[$0] != nil && object[$0] != .null }
        guard let field = present.first else {
            guard let taskUUID else { return unrecognised("names no taskUUID and carries no image") }
            return .pending(RunwareProgress(
                taskUUID: taskUUID, taskType: object["taskType"]?.stringValue, status: status, imageUUID: imageUUID,
                progress: object["progress"]?.doubleValue, resultIndex: resultIndex))
        }
        let named = imageUUID.map { " (imageUUID \($0))" } ?? ""
        guard present.count == 1 else {
            return unrecognised(
                "has several image fields (\(present.joined(separator: ", "))); expected exactly one of \(imageFields.joined(separator: ", "))",
                task: taskUUID)
        }
        guard let text = object[field]?.stringValue, !text.isEmpty else {
            let what = object[field]?.stringValue == nil ? "a JSON \(object[field]?.typeName ?? "null")" : "an empty string"
            return unrecognised("\(field)\(named) is \(what), expected a non-empty string", task: taskUUID)
        }
        guard let taskUUID else { return unrecognised("has an image\(named) but no taskUUID") }
        // Results are deduplicated on imageUUID (redelivered webhooks, cumulative polls): an image
        // without one cannot be stored safely.
        guard let imageUUID else { return unrecognised("has an image (\(field)) but no imageUUID to deduplicate it on", task: taskUUID) }
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
            resultIndex: resultIndex,
            raw: element))
    }

    /// A present identifier must be a non-empty string; absent (or null) gives nil.
    private static func identifier(_ object: [String: JSONValue], _ key: String) -> Result<String?, IdentifierProblem> {
        guard let member = object[key], member != .null else { return .success(nil) }
        guard let text = member.stringValue, !text.isEmpty else {
            let what = member.stringValue == nil ? "a JSON \(member.typeName)" : "an empty string"
            return .failure(IdentifierProblem(text: "\(key) is \(what), expected a non-empty string"))
        }
        return .success(text)
    }

    private struct IdentifierProblem: Error {
        let text: String
    }
}

/// One thing a Runware body says about a task: an image, a failure, "not done yet", or an item
/// that could not be understood.
package enum RunwareItem: Sendable, Hashable {
    /// A finished image.
    case result(ImageResult)
    /// A failure scoped to a task (or to the whole request when it names no task).
    case failure(RunwareError)
    /// An acknowledgement or a still-running generation: `status` processing, pending or any
    /// other non-terminal value, a bare `{taskType, taskUUID}`, a progress frame with
    /// `imageUUID` but no image yet, or `status: success` without an image.
    case pending(RunwareProgress)
    /// An item kontextd could not read; kept raw with the reason so it can be logged, counted
    /// and shown on its task without hiding the other items of the body.
    case unrecognised(UnrecognisedItem)
}

/// An acknowledgement or progress frame: the task is known to Runware, no image in this item.
package struct RunwareProgress: Sendable, Hashable {
    /// The task it reports on.
    package var taskUUID: String
    /// `imageInference`, `getResponse`, or nil when absent.
    package var taskType: String?
    /// `processing`, `pending`, `success`, ... or nil when absent.
    package var status: String?
    /// The image being generated, when the frame names it (runware-sdk 1.8: a progress frame).
    package var imageUUID: String?
    /// Runware's `progress` field, when present.
    package var progress: Double?
    /// Which of the task's results this frame is about (`resultIndex`), when present.
    package var resultIndex: Int?

    /// Creates a frame from its parts.
    package init(
        taskUUID: String, taskType: String? = nil, status: String? = nil, imageUUID: String? = nil,
        progress: Double? = nil, resultIndex: Int? = nil
    ) {
        self.taskUUID = taskUUID
        self.taskType = taskType
        self.status = status
        self.imageUUID = imageUUID
        self.progress = progress
        self.resultIndex = resultIndex
    }
}

/// An item of a Runware body that could not be understood, kept as received.
package struct UnrecognisedItem: Sendable, Hashable, CustomStringConvertible {
    /// Where it was: `body`, `body[2]`, `data[1]`, `errors[0]`, `data`, `error`.
    package var place: String
    /// Which rule it broke, e.g. `has several image fields (imageURL, imageBase64Data)`.
    package var reason: String
    /// The task it names, when it names one as a string.
    package var taskUUID: String?
    /// The item exactly as received.
    package var raw: JSONValue

    /// Creates an unrecognised item.
    package init(place: String, reason: String, taskUUID: String? = nil, raw: JSONValue) {
        self.place = place
        self.reason = reason
        self.taskUUID = taskUUID
        self.raw = raw
    }

    package var description: String { "\(place): \(reason)" }
}

/// Why a Runware body (submit response, `getResponse` answer or webhook) could not be read at all:
/// not JSON, or a JSON scalar where items were expected.
package struct RunwareParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    package let message: String

    /// Creates an error carrying `message`.
    package init(message: String) { self.message = message }

    package var description: String { "unreadable Runware body: \(message)" }
}
