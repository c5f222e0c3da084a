import KontextCore

/// Where one event of a task stands with one sink: what the task page and `GET /v1/tasks/{uuid}`
/// show per result ("where each was synced").
package struct SinkDeliveryRecord: Sendable, Hashable {
    /// The sink's name from `sync.sinks`.
    package var sink: String
    /// The event's log position.
    package var eventID: Int64
    package var eventType: DownstreamEventType
    /// The image, for `image.stored`.
    package var imageUUID: String?
    /// When the event was recorded (for `image.stored`, when the image was stored: the time an
    /// object key template renders `{yyyy}`/`{mm}`/`{dd}` from).
    package var eventCreatedAt: Double
    /// `pending`, `delivered` or `dead`, as the outbox row says.
    package var state: OutboxState
    /// Failed attempts so far.
    package var attempts: Int
    /// The last failure's reason (cleared on delivery).
    package var lastError: String?
    /// When the row last changed: for a delivered row, when the sink confirmed it.
    package var updatedAt: Double
    /// For a pending row, when it is tried next.
    package var nextAttemptAt: Double

    package init(
        sink: String, eventID: Int64, eventType: DownstreamEventType, imageUUID: String?, eventCreatedAt: Double,
        state: OutboxState, attempts: Int, lastError: String?, updatedAt: Double, nextAttemptAt: Double
    ) {
        self.sink = sink
        self.eventID = eventID
        self.eventType = eventType
        self.imageUUID = imageUUID
        self.eventCreatedAt = eventCreatedAt
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.updatedAt = updatedAt
        self.nextAttemptAt = nextAttemptAt
    }
}

/// The state column of an outbox row.
package enum OutboxState: String, Sendable, Hashable, CaseIterable {
    case pending, delivered, dead
}

/// What the task page and the task's JSON need of the outbox: one task's deliveries per sink.
/// Consumers: `DashboardRoutes`, `AdminAPI` (through `SyncService`).
package protocol SyncProgressStore: Sendable {
    /// Every outbox row of `taskUUID`'s events for the given sinks, in event order then sink order.
    func deliveries(ofTask taskUUID: String, sinks: [String]) async throws(StoreError) -> [SinkDeliveryRecord]
}

extension TaskStore: SyncProgressStore {
    /// One task's deliveries, read through indexes only (a task page must stay fast with millions
    /// of tasks and events): the task's events through `events_once` (type, task_uuid, …) — one
    /// lookup per event type — and each event's row per sink through the outbox's primary key
    /// (sink, event_id). Sinks no longer configured are left out; so is everything when none is.
    package func deliveries(ofTask taskUUID: String, sinks: [String]) async throws(StoreError) -> [SinkDeliveryRecord] {
        guard !sinks.isEmpty else { return [] }
        let sinkList = Array(sinks.prefix(200))
        let parameters = Self.deliveriesParameters(taskUUID: taskUUID, sinks: sinkList)
        let sql = Self.deliveriesSQL(sinks: sinkList.count)
        return try await read("deliveriesOfTask") { (db) throws(StoreError) -> [SinkDeliveryRecord] in
            try db.query(sql, parameters) { (row) throws(StoreError) -> SinkDeliveryRecord in
                let typeText: String = row["type"]
                guard let type = DownstreamEventType(rawValue: typeText) else {
                    throw StoreError.corruptRecord(table: "events", column: "type", value: typeText, operation: "deliveriesOfTask")
                }
                let stateText: String = row["state"]
                guard let state = OutboxState(rawValue: stateText) else {
                    throw StoreError.corruptRecord(table: "outbox", column: "state", value: stateText, operation: "deliveriesOfTask")
                }
                return SinkDeliveryRecord(
                    sink: row["sink"], eventID: row["id"], eventType: type, imageUUID: row["image_uuid"],
                    eventCreatedAt: row["created_at"], state: state, attempts: row["attempts"], lastError: row["last_error"],
                    updatedAt: row["updated_at"], nextAttemptAt: row["next_attempt_at"])
            }
        }
    }

    /// The one query behind `deliveries(ofTask:sinks:)`, for `sinks` sink names. CROSS JOIN
    /// fixes the loop order: left to itself, SQLite's planner (with no statistics) may start from
    /// the outbox and walk every row of a sink, which is the whole archive.
    static func deliveriesSQL(sinks: Int) -> String {
        let sinkPlaceholders = Array(repeating: "?", count: max(1, sinks)).joined(separator: ", ")
        let typePlaceholders = Array(repeating: "?", count: DownstreamEventType.allCases.count).joined(separator: ", ")
        return """
            SELECT e.id, e.type, e.image_uuid, e.created_at, o.sink, o.state, o.attempts, o.last_error, o.updated_at,
                o.next_attempt_at
            FROM events e CROSS JOIN outbox o ON o.sink IN (\(sinkPlaceholders)) AND o.event_id = e.id
            WHERE e.type IN (\(typePlaceholders)) AND e.task_uuid = ?
            ORDER BY e.id, o.sink
            """
    }

    static func deliveriesParameters(taskUUID: String, sinks: [String]) -> [SQLiteValue] {
        sinks.map { .text($0) } + DownstreamEventType.allCases.map { .text($0.rawValue) } + [.text(taskUUID)]
    }

    /// SQLite's plan for `deliveries(ofTask:sinks:)`, one line per step: the test that pins the
    /// task page to indexes reads it.
    package func deliveriesQueryPlan(sinks: [String]) async throws(StoreError) -> [String] {
        let sql = "EXPLAIN QUERY PLAN " + Self.deliveriesSQL(sinks: sinks.count)
        let parameters = Self.deliveriesParameters(taskUUID: "plan", sinks: sinks)
        return try await read("deliveriesQueryPlan") { (db) throws(StoreError) -> [String] in
            try db.query(sql, parameters) { row -> String in row["detail"] }
        }
    }
}
