import KontextCore
import KontextCrypto

/// Appends events to the log, with one outbox row per subscribed sink, inside the caller's
/// transaction (the writer thread's): an image is marked stored, or a task final, together with
/// its event and deliveries, or none of it is.
struct EventOutbox: Sendable {
    let subscriptions: [SinkSubscription]

    /// Appends one event unless the log already has it (same type, task and image); true when appended.
    @discardableResult
    func append(
        _ type: DownstreamEventType, taskUUID: String, imageUUID: String?, data: JSONValue, at time: Double,
        in db: SQLiteConnection
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
                "INSERT OR IGNORE INTO outbox (sink, event_id, next_attempt_at, updated_at) VALUES (?, ?, ?, ?)",
                [.text(subscription.name), .integer(eventID), .double(time), .double(time)])
        }
        return true
    }

    /// Appends `image.stored` for a result just marked stored.
    @discardableResult
    func appendImageStored(imageUUID: String, at time: Double, in db: SQLiteConnection) throws(StoreError) -> Bool {
        let facts = try db.queryFirst(
            """
            SELECT r.task_uuid, r.seed, r.width, r.height, r.format, r.byte_size, r.sha256, r.cost, r.nsfw,
                r.received_at, r.stored_at, t.created_at, t.request_json
            FROM results r JOIN tasks t ON t.task_uuid = r.task_uuid WHERE r.image_uuid = ?
            """,
            [.text(imageUUID)]
        ) { (row) throws(StoreError) -> StoredImageFacts in
            let formatText = row.optionalText(at: 4) ?? ""
            guard let format = OutputFormat(rawValue: formatText) else {
                throw StoreError(kind: .corruptRecord, message: "results.format of \(imageUUID) is \"\(formatText)\"", operation: "appendImageStored")
            }
            return StoredImageFacts(
                taskUUID: row.text(at: 0), imageUUID: imageUUID, prompt: Self.prompt(row.text(at: 12)),
                seed: row.optionalText(at: 1).flatMap { UInt64($0) }, width: row.optionalInt(at: 2) ?? 0,
                height: row.optionalInt(at: 3) ?? 0, format: format, byteSize: row.optionalInt(at: 5) ?? 0,
                sha256: row.optionalText(at: 6) ?? "", cost: row.optionalDouble(at: 7),
                nsfw: row.optionalInt(at: 8).map { $0 != 0 }, taskCreatedAt: row.double(at: 11),
                receivedAt: row.double(at: 9), storedAt: row.optionalDouble(at: 10) ?? time)
        }
        guard let facts else { throw StoreError.notFound("result", key: imageUUID, operation: "appendImageStored") }
        return try append(.imageStored, taskUUID: facts.taskUUID, imageUUID: imageUUID, data: facts.json, at: time, in: db)
    }

    /// Appends `task.finished` for a task that just became final.
    @discardableResult
    func appendTaskFinished(taskUUID: String, state: TaskState, at time: Double, in db: SQLiteConnection) throws(StoreError) -> Bool {
        guard let task = try db.queryFirst(
            "SELECT number_results, created_at, request_json FROM tasks WHERE task_uuid = ?", [.text(taskUUID)],
            row: { ($0.int(at: 0), $0.double(at: 1), $0.text(at: 2)) })
        else { throw StoreError.notFound("task", key: taskUUID, operation: "appendTaskFinished") }
        let results = try db.query(
            "SELECT image_uuid, state, cost FROM results WHERE task_uuid = ? ORDER BY received_at, rowid", [.text(taskUUID)]
        ) { ($0.text(at: 0), $0.text(at: 1), $0.optionalDouble(at: 2)) }
        let errors = try db.query(
            "SELECT code, message, parameter FROM task_errors WHERE task_uuid = ? ORDER BY id", [.text(taskUUID)]
        ) { FinishedTaskFacts.Failure(code: $0.text(at: 0), message: $0.text(at: 1), parameter: $0.optionalText(at: 2)) }
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
