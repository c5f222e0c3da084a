/// What kontextd tells downstream storage about: an image it stored, a task that finished.
///
/// One body per event, the same for every consumer: the webhook sink POSTs it, the pull feed
/// (`GET /v1/events`) lists it, the directory and S3 sinks keep its `data` as the sidecar.
/// The shape follows Standard Webhooks' recommended payload: `{type, timestamp, data}` plus the
/// event's own stable `id` (the same on every retry, so receivers can deduplicate).
package enum DownstreamEventType: String, Sendable, Hashable, CaseIterable, Codable {
    /// A result image was fetched, verified and written locally.
    case imageStored = "image.stored"
    /// A task reached a final state (completed, failed, rejected).
    case taskFinished = "task.finished"
}

/// The facts of one stored image, as the `image.stored` event carries them.
package struct StoredImageFacts: Sendable, Hashable {
    package var taskUUID: String
    package var imageUUID: String
    package var prompt: String?
    package var seed: UInt64?
    package var width: Int
    package var height: Int
    package var format: OutputFormat
    package var byteSize: Int
    package var sha256: String
    package var cost: Double?
    package var nsfw: Bool?
    package var taskCreatedAt: Double
    package var receivedAt: Double
    package var storedAt: Double

    package init(
        taskUUID: String, imageUUID: String, prompt: String?, seed: UInt64?, width: Int, height: Int,
        format: OutputFormat, byteSize: Int, sha256: String, cost: Double?, nsfw: Bool?, taskCreatedAt: Double,
        receivedAt: Double, storedAt: Double
    ) {
        self.taskUUID = taskUUID
        self.imageUUID = imageUUID
        self.prompt = prompt
        self.seed = seed
        self.width = width
        self.height = height
        self.format = format
        self.byteSize = byteSize
        self.sha256 = sha256
        self.cost = cost
        self.nsfw = nsfw
        self.taskCreatedAt = taskCreatedAt
        self.receivedAt = receivedAt
        self.storedAt = storedAt
    }

    /// The `data` member of the event (and the sidecar's content).
    package var json: JSONValue {
        var data: [String: JSONValue] = [
            "taskUUID": .string(taskUUID), "imageUUID": .string(imageUUID),
            "prompt": prompt.map(JSONValue.string) ?? .null,
            "seed": seed.map(JSONValue.unsignedInteger) ?? .null,
            "width": .integer(Int64(width)), "height": .integer(Int64(height)),
            "format": .string(format.rawValue), "byteSize": .integer(Int64(byteSize)), "sha256": .string(sha256),
            "cost": cost.map(JSONValue.double) ?? .null,
            "taskCreatedAt": .string(UTCTime.iso8601(taskCreatedAt)),
            "receivedAt": .string(UTCTime.iso8601(receivedAt)), "storedAt": .string(UTCTime.iso8601(storedAt)),
        ]
        if let nsfw { data["NSFWContent"] = .bool(nsfw) }
        return .object(data)
    }
}

/// The facts of one finished task, as the `task.finished` event carries them.
package struct FinishedTaskFacts: Sendable, Hashable {
    /// One error Runware (or kontextd) recorded against the task.
    package struct Failure: Sendable, Hashable {
        package var code: String
        package var message: String
        package var parameter: String?

        package init(code: String, message: String, parameter: String?) {
            self.code = code
            self.message = message
            self.parameter = parameter
        }
    }

    package var taskUUID: String
    package var state: TaskState
    package var prompt: String?
    package var numberResults: Int
    package var storedResults: Int
    package var failedResults: Int
    package var imageUUIDs: [String]
    package var cost: Double?
    package var errors: [Failure]
    package var createdAt: Double
    package var finishedAt: Double

    package init(
        taskUUID: String, state: TaskState, prompt: String?, numberResults: Int, storedResults: Int, failedResults: Int,
        imageUUIDs: [String], cost: Double?, errors: [Failure], createdAt: Double, finishedAt: Double
    ) {
        self.taskUUID = taskUUID
        self.state = state
        self.prompt = prompt
        self.numberResults = numberResults
        self.storedResults = storedResults
        self.failedResults = failedResults
        self.imageUUIDs = imageUUIDs
        self.cost = cost
        self.errors = errors
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }

    /// The `data` member of the event.
    package var json: JSONValue {
        .object([
            "taskUUID": .string(taskUUID), "state": .string(state.rawValue),
            "prompt": prompt.map(JSONValue.string) ?? .null,
            "numberResults": .integer(Int64(numberResults)), "storedResults": .integer(Int64(storedResults)),
            "failedResults": .integer(Int64(failedResults)), "imageUUIDs": .array(imageUUIDs.map(JSONValue.string)),
            "cost": cost.map(JSONValue.double) ?? .null,
            "errors": .array(errors.map { error in
                .object([
                    "code": .string(error.code), "message": .string(error.message),
                    "parameter": error.parameter.map(JSONValue.string) ?? .null,
                ])
            }),
            "createdAt": .string(UTCTime.iso8601(createdAt)), "finishedAt": .string(UTCTime.iso8601(finishedAt)),
        ])
    }
}

/// A downstream event body: `{"id","type","timestamp","data"}`.
package enum DownstreamEventBody {
    /// The body, encoded once when the event is recorded and sent byte-identical ever after (a
    /// webhook signature covers the exact bytes).
    package static func encode(id: String, type: DownstreamEventType, at time: Double, data: JSONValue) -> String {
        JSONCoding.encodeString(
            .object([
                "id": .string(id), "type": .string(type.rawValue), "timestamp": .string(UTCTime.iso8601(time)),
                "data": data,
            ]))
    }
}
