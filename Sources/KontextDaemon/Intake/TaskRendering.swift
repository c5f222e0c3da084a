import KontextCore
import KontextStore

/// The JSON shapes of the admin API: one place, so the CLI and clients see one vocabulary.
enum TaskRendering {
    static func summary(_ task: TaskRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "taskUUID": .string(task.taskUUID),
            "state": .string(task.state.rawValue),
            "numberResults": .integer(Int64(task.numberResults)),
            "outputFormat": .string(task.outputFormat.rawValue),
            "outputType": .string(task.outputType.rawValue),
            "createdAt": .double(task.createdAt),
            "updatedAt": .double(task.updatedAt),
            "submitAttempts": .integer(Int64(task.submitAttempts)),
        ]
        if let size = task.expectedSize {
            object["width"] = .integer(Int64(size.width))
            object["height"] = .integer(Int64(size.height))
        }
        if let submittedAt = task.submittedAt { object["submittedAt"] = .double(submittedAt) }
        if let finishedAt = task.finishedAt { object["finishedAt"] = .double(finishedAt) }
        if let reason = task.heldReason { object["heldReason"] = .string(reason) }
        if let polledAt = task.lastPolledAt {
            var poll: [String: JSONValue] = [
                "at": .double(polledAt), "count": .integer(Int64(task.pollCount)),
                "outcome": .string(task.lastPollOutcome ?? ""),
            ]
            if let error = task.lastPollError { poll["error"] = .string(error) }
            object["lastPoll"] = .object(poll)
        }
        if let code = task.errorCode {
            object["error"] = .object(["code": .string(code), "message": .string(task.errorMessage ?? "")])
        }
        return .object(object)
    }

    /// The task with its results; with sinks configured, each stored result's `sync` (one entry
    /// per sink that receives images) and the task's own `sync` (its `task.finished` event, per
    /// webhook sink, once the task is final).
    static func detail(_ detail: TaskDetail, sync: TaskSyncProgress? = nil) -> JSONValue {
        guard case .object(var object) = summary(detail.task) else { return .null }
        object["request"] = (try? JSONCoding.parse(detail.task.requestJSON)) ?? .string(detail.task.requestJSON)
        object["results"] = .array(detail.results.map { record in
            guard let views = sync?.images[record.imageUUID], case .object(var rendered) = result(record) else { return result(record) }
            rendered["sync"] = .array(views.map(\.json))
            return .object(rendered)
        })
        if let sync { object["sync"] = .array(sync.taskFinished.map(\.json)) }
        object["errors"] = .array(detail.errors.map(error))
        object["unrecognisedItems"] = .array(detail.unrecognised.map(unrecognisedItem))
        let stored = detail.results.filter { $0.state == .stored }.count
        object["storedResults"] = .integer(Int64(stored))
        // What this task cost, as Runware reported it per result (null before any cost is known).
        let costs = detail.results.compactMap(\.cost)
        object["costUSD"] = costs.isEmpty ? .null : .double(costs.reduce(0, +))
        return .object(object)
    }

    static func result(_ result: ResultRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "imageUUID": .string(result.imageUUID),
            "state": .string(result.state.rawValue),
            "source": .string(result.sourceKind.rawValue),
            "receivedAt": .double(result.receivedAt),
            "fetchAttempts": .integer(Int64(result.fetchAttempts)),
        ]
        if result.sourceKind == .url { object["imageURL"] = .string(result.sourceValue) }
        if let seed = result.seed { object["seed"] = .unsignedInteger(seed) }
        if let nsfw = result.nsfw { object["NSFWContent"] = .bool(nsfw) }
        if let cost = result.cost { object["cost"] = .double(cost) }
        if let format = result.format { object["format"] = .string(format.rawValue) }
        if let width = result.width { object["width"] = .integer(Int64(width)) }
        if let height = result.height { object["height"] = .integer(Int64(height)) }
        if let size = result.byteSize { object["byteSize"] = .integer(Int64(size)) }
        if let sha256 = result.sha256 { object["sha256"] = .string(sha256) }
        if let path = result.path {
            object["path"] = .string(path)
            object["href"] = .string("/v1/images/\(result.imageUUID)")
            object["thumbnailHref"] = .string("/v1/images/\(result.imageUUID)/thumbnail")
        }
        if let storedAt = result.storedAt { object["storedAt"] = .double(storedAt) }
        if let reason = result.failureReason { object["failureReason"] = .string(reason) }
        return .object(object)
    }

    static func unrecognisedItem(_ item: UnrecognisedItemRecord) -> JSONValue {
        .object([
            "source": .string(item.source.rawValue),
            "place": .string(item.place),
            "reason": .string(item.reason),
            "item": (try? JSONCoding.parse(item.rawJSON)) ?? .string(item.rawJSON),
            "receivedAt": .double(item.receivedAt),
        ])
    }

    static func error(_ error: TaskErrorRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "code": .string(error.code),
            "message": .string(error.message),
            "recordedAt": .double(error.recordedAt),
        ]
        if let parameter = error.parameter { object["parameter"] = .string(parameter) }
        return .object(object)
    }
}
