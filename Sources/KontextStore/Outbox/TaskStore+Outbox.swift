import KontextCore

/// The event log and the per-sink outbox: what the pull feed reads and the sync service delivers.
extension TaskStore {
    static let eventColumns = "e.id, e.event_uuid, e.type, e.task_uuid, e.image_uuid, e.body, e.created_at"

    static func event(_ row: SQLiteRow, operation: String) throws(StoreError) -> EventRecord {
        let typeText: String = row["type"]
        guard let type = DownstreamEventType(rawValue: typeText) else {
            throw StoreError.corruptRecord(table: "events", column: "type", value: typeText, operation: operation)
        }
        return EventRecord(
            id: row["id"], eventUUID: row["event_uuid"], type: type, taskUUID: row["task_uuid"], imageUUID: row["image_uuid"],
            body: row["body"], createdAt: row["created_at"])
    }

    // MARK: The pull feed

    /// Events after the cursor `after` (an event id; 0 for the beginning), oldest first, at most `limit`.
    package func events(after: Int64, limit: Int) async throws(StoreError) -> [EventRecord] {
        try await read("events") { (db) throws(StoreError) -> [EventRecord] in
            try db.query(
                "SELECT \(Self.eventColumns) FROM events e WHERE e.id > ? ORDER BY e.id LIMIT ?",
                [.integer(after), .integer(Int64(min(max(1, limit), 10_000)))]
            ) { (row) throws(StoreError) in try Self.event(row, operation: "events") }
        }
    }

    /// The newest event a delivery attempt to `sink` was ever started for (0 when none was):
    /// deliveries of events up to it may have reached the sink in an earlier process.
    package func attemptedThrough(sink: String) async throws(StoreError) -> Int64 {
        try await read("attemptedThrough") { (db) throws(StoreError) -> Int64 in
            try db.queryFirst(
                "SELECT attempted_through FROM sink_progress WHERE sink = ?", [.text(sink)]
            ) { row -> Int64 in row["attempted_through"] } ?? 0
        }
    }

    /// Records, before the attempts start, that deliveries to `sink` up to event `eventID` are being attempted.
    package func raiseAttemptedThrough(sink: String, to eventID: Int64) async throws(StoreError) {
        try await write("raiseAttemptedThrough") { (db) throws(StoreError) in
            _ = try db.run(
                """
                INSERT INTO sink_progress (sink, attempted_through) VALUES (?, ?)
                ON CONFLICT (sink) DO UPDATE SET attempted_through = MAX(attempted_through, excluded.attempted_through)
                """, [.text(sink), .integer(eventID)])
        }
    }

    // MARK: Delivery

    /// Deliveries for `sink` that are due at `now`, oldest event first, at most `limit`.
    package func dueDeliveries(sink: String, now: Double, limit: Int) async throws(StoreError) -> [OutboxEntry] {
        try await read("dueDeliveries") { (db) throws(StoreError) -> [OutboxEntry] in
            try db.query(
                """
                SELECT \(Self.eventColumns), o.attempts, o.last_error, o.check_existing, r.path AS image_path
                FROM outbox o JOIN events e ON e.id = o.event_id
                LEFT JOIN results r ON e.image_uuid IS NOT NULL AND r.image_uuid = e.image_uuid
                WHERE o.sink = ? AND o.state = 'pending' AND o.next_attempt_at <= ?
                ORDER BY o.next_attempt_at, o.event_id LIMIT ?
                """,
                [.text(sink), .double(now), .integer(Int64(max(1, limit)))]
            ) { (row) throws(StoreError) in
                let checkExisting: Int = row["check_existing"]
                return OutboxEntry(
                    sink: sink, event: try Self.event(row, operation: "dueDeliveries"), attempts: row["attempts"],
                    lastError: row["last_error"], checkExisting: checkExisting != 0, imagePath: row["image_path"])
            }
        }
    }

    /// When the next waiting delivery for `sink` is due; nil when none waits.
    package func nextDeliveryTime(sink: String) async throws(StoreError) -> Double? {
        try await read("nextDeliveryTime") { (db) throws(StoreError) -> Double? in
            try db.queryFirst(
                "SELECT MIN(next_attempt_at) AS next FROM outbox WHERE sink = ? AND state = 'pending'", [.text(sink)]
            ) { row -> Double? in row["next"] } ?? nil
        }
    }

    /// Records that `sink` confirmed these events.
    package func markDelivered(sink: String, eventIDs: [Int64], at time: Double) async throws(StoreError) {
        guard !eventIDs.isEmpty else { return }
        try await write("markDelivered") { (db) throws(StoreError) in
            for id in eventIDs {
                try db.run(
                    "UPDATE outbox SET state = 'delivered', last_error = NULL, updated_at = ? WHERE sink = ? AND event_id = ?",
                    [.double(time), .text(sink), .integer(id)])
            }
        }
    }

    /// Records a failed attempt: the delivery waits until `retryAt`, or becomes a dead letter when nil.
    package func recordFailedDelivery(
        sink: String, eventID: Int64, retryAt: Double?, reason: String, at time: Double
    ) async throws(StoreError) {
        try await write("recordFailedDelivery") { (db) throws(StoreError) in
            _ = try db.run(
                """
                UPDATE outbox SET attempts = attempts + 1, last_error = ?, updated_at = ?, check_existing = 1,
                    state = CASE WHEN ? THEN 'pending' ELSE 'dead' END, next_attempt_at = COALESCE(?, next_attempt_at)
                WHERE sink = ? AND event_id = ? AND state = 'pending'
                """,
                [
                    .text(reason), .double(time), .integer(retryAt == nil ? 0 : 1), .double(retryAt), .text(sink),
                    .integer(eventID),
                ])
        }
    }

    /// Puts dead letters back in line (every sink's when `sink` is nil) with their attempts reset;
    /// returns how many.
    @discardableResult
    package func retryDeadLetters(sink: String?, at time: Double) async throws(StoreError) -> Int {
        let count = try await write("retryDeadLetters") { (db) throws(StoreError) -> Int in
            if let sink {
                return try db.run(
                    """
                    UPDATE outbox SET state = 'pending', attempts = 0, check_existing = 1, next_attempt_at = ?, updated_at = ?
                    WHERE sink = ? AND state = 'dead'
                    """, [.double(time), .double(time), .text(sink)])
            }
            return try db.run(
                "UPDATE outbox SET state = 'pending', attempts = 0, check_existing = 1, next_attempt_at = ?, updated_at = ? WHERE state = 'dead'",
                [.double(time), .double(time)])
        }
        if count > 0 { eventsAppended.advance() }
        return count
    }

    /// Enqueues for `sink` every event it subscribes to that it has no delivery for, first
    /// recording `image.stored` events for images stored before the event log existed. Returns
    /// how many deliveries were added. A sink added later catches up this way.
    @discardableResult
    package func backfill(_ sink: SinkSubscription, at time: Double) async throws(StoreError) -> Int {
        let outbox = self.outbox
        let added = try await write("backfill") { [outbox] (db) throws(StoreError) -> Int in
            let missing = try db.query(
                """
                SELECT r.image_uuid FROM results r WHERE r.state = 'stored' AND NOT EXISTS (
                    SELECT 1 FROM events e WHERE e.type = 'image.stored' AND e.image_uuid = r.image_uuid)
                ORDER BY r.stored_at, r.rowid
                """
            ) { row -> String in row["image_uuid"] }
            for imageUUID in missing {
                try outbox.appendImageStored(imageUUID: imageUUID, at: time, checkExisting: true, in: db)
            }
            var added = 0
            for type in sink.events {
                added += try db.run(
                    """
                    INSERT OR IGNORE INTO outbox (sink, event_id, next_attempt_at, updated_at, check_existing)
                    SELECT ?, id, ?, ?, 1 FROM events WHERE type = ? ORDER BY id
                    """,
                    [.text(sink.name), .double(time), .double(time), .text(type.rawValue)])
            }
            return added
        }
        eventsAppended.advance()
        return added
    }

    /// Per-sink outbox figures for `/healthz`, `/metrics` and `kontextd sync status`.
    ///
    /// Every figure but `delivered` is read through the partial indexes on waiting and dead rows
    /// (named with INDEXED BY: without statistics SQLite's planner picks the primary key and walks
    /// every row of the sink, delivered ones included — about 0.5 s per million with sqlite3), so
    /// it costs what the backlog holds. `delivered` has to walk the sink's rows (~0.1 s per
    /// million), so a caller that shows only the backlog (the dashboard's health panel) passes
    /// `countDelivered: false` and gets 0 there.
    package func outboxStatistics(sinks: [String], countDelivered: Bool = true) async throws(StoreError) -> [String: OutboxStatistics] {
        try await read("outboxStatistics") { (db) throws(StoreError) -> [String: OutboxStatistics] in
            var figures: [String: OutboxStatistics] = [:]
            for sink in sinks {
                var statistics = OutboxStatistics()
                let pending = try db.queryFirst(
                    """
                    SELECT COUNT(*) AS pending, MIN(e.created_at) AS oldest, COALESCE(SUM(o.attempts > 0), 0) AS failing,
                        COALESCE(SUM(o.attempts), 0) AS attempts
                    FROM outbox o INDEXED BY outbox_due JOIN events e ON e.id = o.event_id WHERE o.sink = ? AND o.state = 'pending'
                    """, [.text(sink)]
                ) { row -> (Int, Double?, Int, Int) in (row["pending"], row["oldest"], row["failing"], row["attempts"]) }
                if let pending {
                    statistics.pending = pending.0
                    statistics.oldestPendingAt = pending.1
                    statistics.failing = pending.2
                    statistics.attempts = pending.3
                }
                statistics.dead = try db.queryFirst(
                    "SELECT COUNT(*) AS n FROM outbox INDEXED BY outbox_dead WHERE sink = ? AND state = 'dead'", [.text(sink)]) { row -> Int in row["n"] } ?? 0
                if countDelivered {
                    statistics.delivered = try db.queryFirst(
                        "SELECT COUNT(*) AS n FROM outbox WHERE sink = ? AND state = 'delivered'", [.text(sink)]) { row -> Int in row["n"] } ?? 0
                }
                // One query per state, so each uses that state's partial index instead of walking
                // the sink's delivered rows; the later of the two is the last error.
                var latest: (error: String, at: Double)?
                for (state, index) in [("pending", "outbox_due"), ("dead", "outbox_dead")] {
                    let found = try db.queryFirst(
                        """
                        SELECT last_error, updated_at FROM outbox INDEXED BY \(index)
                        WHERE sink = ? AND state = '\(state)' AND last_error IS NOT NULL
                        ORDER BY updated_at DESC LIMIT 1
                        """, [.text(sink)]) { row -> (String, Double) in (row["last_error"], row["updated_at"]) }
                    if let found, found.1 >= latest?.at ?? -.infinity { latest = (found.0, found.1) }
                }
                statistics.lastError = latest?.error
                figures[sink] = statistics
            }
            return figures
        }
    }

    // MARK: Local retention

    /// Stored images older than `storedBefore` whose `image.stored` event every one of `sinks`
    /// has confirmed, and whose local file is still there; at most `limit`.
    package func releasableImages(storedBefore: Double, sinks: [String], limit: Int) async throws(StoreError) -> [ReleasableImage] {
        guard !sinks.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: sinks.count).joined(separator: ", ")
        return try await read("releasableImages") { (db) throws(StoreError) -> [ReleasableImage] in
            try db.query(
                """
                SELECT r.image_uuid, r.path FROM results r JOIN events e ON e.type = 'image.stored' AND e.image_uuid = r.image_uuid
                WHERE r.state = 'stored' AND r.stored_at < ? AND r.local_deleted_at IS NULL AND r.path IS NOT NULL
                    AND (SELECT COUNT(*) FROM outbox o WHERE o.event_id = e.id AND o.state = 'delivered'
                         AND o.sink IN (\(placeholders))) = ?
                ORDER BY r.stored_at LIMIT ?
                """,
                [.double(storedBefore)] + sinks.map { .text($0) } + [.integer(Int64(sinks.count)), .integer(Int64(max(1, limit)))]
            ) { row in ReleasableImage(imageUUID: row["image_uuid"], path: row["path"]) }
        }
    }

    /// Records that a result's local file is released; returns true when no other kept result
    /// shares the (content-addressed) file, so it may be deleted.
    package func releaseLocalImage(imageUUID: String, at time: Double) async throws(StoreError) -> Bool {
        try await write("releaseLocalImage") { (db) throws(StoreError) -> Bool in
            guard let path = try db.queryFirst(
                "SELECT path FROM results WHERE image_uuid = ? AND local_deleted_at IS NULL", [.text(imageUUID)],
                row: { row -> String? in row["path"] }) ?? nil
            else { return false }
            try db.run("UPDATE results SET local_deleted_at = ? WHERE image_uuid = ?", [.double(time), .text(imageUUID)])
            let sharers = try db.queryFirst(
                "SELECT COUNT(*) AS n FROM results WHERE path = ? AND local_deleted_at IS NULL", [.text(path)]) { row -> Int in row["n"] } ?? 0
            return sharers == 0
        }
    }
}
