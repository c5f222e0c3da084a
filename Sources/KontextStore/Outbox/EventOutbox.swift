import KontextCore
import KontextCrypto

/// Appends events to the log, with one outbox row per subscribed sink, inside the caller's
/// transaction (the writer thread's): an image is marked stored, or a task final, together with
/// its event and deliveries, or none of it is.
struct EventOutbox: Sendable {
    let subscriptions: [SinkSubscription]

    /// Appends one event unless the log already has it (same type, task and image); true when appended.
    /// `checkExisting` marks its deliveries as possibly already in the sinks (a backfill of old images).
    @discardableResult
    func append(
        _ type: DownstreamEventType, taskUUID: String, imageUUID: String?, data: JSONValue, at time: Double,
        checkExisting: Bool = false, in db: SQLiteConnection
    ) throws(StoreError) -> Bool {
        let eventUUID = Self.randomUUID()
        let body = DownstreamEventBody.encode(id: eventUUID, type: type, at: time, data: data)
        let inserted = try db.run(
            """
            INSERT OR IGNORE INTO events (event_uuid, type, task_uuid, image_uuid, body, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            [.text(eventUUID), .text(type.rawValue), .text(taskUUID), .text(imageUUID), .text(body), .double(time)])
        guard inserted == 1 else { return false }
        let eventID = db.lastInsertRowID
        for subscription in subscriptions where subscription.events.contains(type) {
            try db.run(
                "INSERT OR IGNORE INTO outbox (sink, event_id, next_attempt_at, updated_at, check_existing) VALUES (?, ?, ?, ?, ?)",
                [.text(subscription.name), .integer(eventID), .double(time), .double(time), .integer(checkExisting ? 1 : 0)])
        }
        return true
    }

    /// Appends `image.stored` for a result just marked stored.
    @discardableResult
    func appendImageStored(
        imageUUID: String, at time: Double, checkExisting: Bool = false, in db: SQLiteConnection
    ) throws(StoreError) -> Bool {
        let facts = try db.queryFirst(
            """
            SELECT r.task_uuid, r.seed, r.width, r.height, r.format, r.byte_size, r.sha256, r.cost, r.nsfw,
                r.received_at, r.stored_at, t.created_at AS task_created_at, t.request_json
            FROM results r JOIN tasks t ON t.task_uuid = r.task_uuid WHERE r.image_uuid = ?
            """,
            [.text(imageUUID)]
        ) { (row) throws(StoreError) -> StoredImageFacts in
            let formatText: String? = row["format"]
            guard let format = formatText.flatMap(OutputFormat.init(rawValue:)) else {
                throw StoreError.corruptRecord(table: "results", column: "format", value: formatText ?? "NULL", operation: "appendImageStored")
            }
            let seed: String? = row["seed"]
            let nsfw: Int? = row["nsfw"]
            let storedAt: Double? = row["stored_at"]
            return StoredImageFacts(
                taskUUID: row["task_uuid"], imageUUID: imageUUID, prompt: Self.prompt(row["request_json"]),
                seed: seed.flatMap { UInt64($0) }, width: row["width"], height: row["height"], format: format,
                byteSize: row["byte_size"], sha256: row["sha256"], cost: row["cost"], nsfw: nsfw.map { $0 != 0 },
                taskCreatedAt: row["task_created_at"], receivedAt: row["received_at"], storedAt: storedAt ?? time)
        }
        guard let facts else { throw StoreError.notFound("result", key: imageUUID, operation: "appendImageStored") }
        return try append(
            .imageStored, taskUUID: facts.taskUUID, imageUUID: imageUUID, data: facts.json, at: time, checkExisting: checkExisting,
            in: db)
    }

    /// Appends `task.finished` for a task that just became final.
    @discardableResult
    func appendTaskFinished(taskUUID: String, state: TaskState, at time: Double, in db: SQLiteConnection) throws(StoreError) -> Bool {
        guard let task = try db.queryFirst(
            "SELECT number_results, created_at, request_json FROM tasks WHERE task_uuid = ?", [.text(taskUUID)],
            row: { row -> (Int, Double, String) in (row["number_results"], row["created_at"], row["request_json"]) })
        else { throw StoreError.notFound("task", key: taskUUID, operation: "appendTaskFinished") }
        let results = try db.query(
            "SELECT image_uuid, state, cost FROM results WHERE task_uuid = ? ORDER BY received_at, rowid", [.text(taskUUID)]
        ) { row -> (String, String, Double?) in (row["image_uuid"], row["state"], row["cost"]) }
        let errors = try db.query(
            "SELECT code, message, parameter FROM task_errors WHERE task_uuid = ? ORDER BY id", [.text(taskUUID)]
        ) { row in FinishedTaskFacts.Failure(code: row["code"], message: row["message"], parameter: row["parameter"]) }
        let stored = results.filter { $0.1 == ResultState.stored.rawValue }
        let costs = results.compactMap(\.2)
        let facts = FinishedTaskFacts(
            taskUUID: taskUUID, state: state, prompt: Self.prompt(task.2), numberResults: task.0,
            storedResults: stored.count, failedResults: results.count(where: { $0.1 == ResultState.failed.rawValue }),
            imageUUIDs: stored.map(\.0), cost: costs.isEmpty ? nil : costs.reduce(0, +), errors: errors,
            createdAt: task.1, finishedAt: time)
        return try append(.taskFinished, taskUUID: taskUUID, imageUUID: nil, data: facts.json, at: time, in: db)
    }

    /// The task's prompt from its canonical request (nil when it cannot be read: the event still goes out).
    static func prompt(_ requestJSON: String) -> String? {
        (try? JSONCoding.parse(requestJSON))?["positivePrompt"]?.stringValue
    }

    /// A random (version 4) UUID from libcrypto's CSPRNG, lowercase.
    static func randomUUID() -> String {
        var bytes = MessageAuthentication.randomBytes(count: 16)
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = Hex.encode(bytes)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
