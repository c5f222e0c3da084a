import KontextCore

extension TaskStore {
    /// The results of each of `taskUUIDs` (a page's worth), read in one snapshot through the
    /// results-by-task index; tasks without results are absent from the answer.
    package func results(ofTasks taskUUIDs: [String]) async throws(StoreError) -> [String: [ResultRecord]] {
        guard !taskUUIDs.isEmpty else { return [:] }
        // SQLite's default limit on host parameters is far above a page; bound it all the same.
        let uuids = Array(taskUUIDs.prefix(1000))
        return try await read("resultsOfTasks") { (db) throws(StoreError) -> [String: [ResultRecord]] in
            let placeholders = Array(repeating: "?", count: uuids.count).joined(separator: ",")
            let rows = try db.query(
                "SELECT \(RowDecoding.resultColumns) FROM results WHERE task_uuid IN (\(placeholders)) ORDER BY received_at, rowid",
                uuids.map { .text($0) }
            ) { (row) throws(StoreError) in try RowDecoding.result(row, operation: "resultsOfTasks") }
            return Dictionary(grouping: rows, by: \.taskUUID)
        }
    }
}
