import KontextCore

/// What has been spent, in US dollars as Runware reported each result's `cost`.
package struct SpendSummary: Sendable, Equatable {
    /// The UTC day the figures are for (`yyyy-MM-dd`).
    package var day: String
    /// Spend on results received that day.
    package var todayUSD: Double
    /// Spend on every result ever received.
    package var totalUSD: Double
    /// The average cost per image on the most recent day with a reported cost; nil before any.
    package var recentImageCostUSD: Double?
    /// Images asked of Runware (tasks submitted, not finished) that have not arrived yet.
    package var outstandingImages: Int
    /// Tasks held by a budget limit.
    package var heldTasks: Int
}

/// Spend reported on one UTC day.
package struct SpendDay: Sendable, Equatable {
    package var day: String
    package var usd: Double
    package var images: Int
}

extension TaskStore {
    /// The spend figures for `day` (UTC, `yyyy-MM-dd`), read in one snapshot. The per-day table is
    /// kept by a trigger on result inserts, so this reads a handful of rows, never the results table.
    package func spendSummary(day: String) async throws(StoreError) -> SpendSummary {
        try await read("spendSummary") { (db) throws(StoreError) -> SpendSummary in
            let today = try db.queryFirst("SELECT usd FROM spend_days WHERE day = ?", [.text(day)]) { row -> Double in row["usd"] } ?? 0
            let total = try db.queryFirst("SELECT COALESCE(SUM(usd), 0) AS total FROM spend_days") { row -> Double in row["total"] } ?? 0
            let recent = try db.queryFirst(
                "SELECT usd / images AS per_image FROM spend_days WHERE images > 0 ORDER BY day DESC LIMIT 1"
            ) { row -> Double in row["per_image"] }
            // Submitted tasks are the ones in flight (few); their results are found by index.
            let outstanding = try db.queryFirst(
                """
                SELECT COALESCE(SUM(t.number_results - (SELECT COUNT(*) FROM results r WHERE r.task_uuid = t.task_uuid)), 0)
                    AS outstanding
                FROM tasks t WHERE t.state = 'submitted'
                """
            ) { row -> Int in row["outstanding"] } ?? 0
            let held = try db.queryFirst("SELECT COUNT(*) AS held FROM tasks WHERE state = 'held'") { row -> Int in row["held"] } ?? 0
            return SpendSummary(
                day: day, todayUSD: today, totalUSD: total, recentImageCostUSD: recent,
                outstandingImages: max(0, outstanding), heldTasks: held)
        }
    }

    /// Spend per UTC day, most recent first, at most `limit` days.
    package func spendDays(limit: Int) async throws(StoreError) -> [SpendDay] {
        try await read("spendDays") { (db) throws(StoreError) -> [SpendDay] in
            try db.query("SELECT day, usd, images FROM spend_days ORDER BY day DESC LIMIT ?", [.integer(Int64(max(0, limit)))]) {
                SpendDay(day: $0["day"], usd: $0["usd"], images: $0["images"])
            }
        }
    }

    /// Holds a queued task with the reason; a task that is no longer queued (or whose last send is
    /// unsettled) is left alone. Returns whether it was held.
    @discardableResult
    package func hold(_ taskUUID: String, reason: String, at time: Double) async throws(StoreError) -> Bool {
        try await write("hold") { (db) throws(StoreError) -> Bool in
            try db.run(
                """
                UPDATE tasks SET state = 'held', held_reason = ?, updated_at = ?
                WHERE task_uuid = ? AND state = 'queued' AND submission_uncertain = 0
                """,
                [.text(reason), .double(time), .text(taskUUID)]) == 1
        }
    }

    /// Puts held tasks back in the queue (their place in it is their creation time, unchanged).
    /// Returns how many were released.
    @discardableResult
    package func release(_ taskUUIDs: [String], at time: Double) async throws(StoreError) -> Int {
        try await write("release") { (db) throws(StoreError) -> Int in
            var released = 0
            for uuid in taskUUIDs {
                released += try db.run(
                    "UPDATE tasks SET state = 'queued', held_reason = NULL, updated_at = ? WHERE task_uuid = ? AND state = 'held'",
                    [.double(time), .text(uuid)])
            }
            return released
        }
    }

    /// Records a result's thumbnail made after it was stored (a PNG's, on first request).
    package func setThumbnail(imageUUID: String, sha256: String) async throws(StoreError) {
        try await write("setThumbnail") { (db) throws(StoreError) in
            _ = try db.run("UPDATE results SET thumbnail_sha256 = ? WHERE image_uuid = ?", [.text(sha256), .text(imageUUID)])
        }
    }

    /// Held tasks, oldest first, at most `limit`.
    package func heldTasks(limit: Int) async throws(StoreError) -> [TaskRecord] {
        try await read("heldTasks") { (db) throws(StoreError) -> [TaskRecord] in
            try db.query(
                "SELECT \(RowDecoding.taskColumns) FROM tasks WHERE state = 'held' ORDER BY created_at, rowid LIMIT ?",
                [.integer(Int64(max(0, limit)))]
            ) { (row) throws(StoreError) in try RowDecoding.task(row, operation: "heldTasks") }
        }
    }
}
