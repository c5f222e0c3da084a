import Foundation
import KontextCrypto
import KontextStore

/// Fills a fresh task database with `count` completed tasks, each with one stored result, in a
/// single transaction over one prepared statement per table — seconds, not the hours a million
/// API calls would take. The schema comes from opening a `TaskStore` on the file first.
///
/// Task UUIDs are `<prefix>-0000-4000-8000-<index as 12 hex digits>` (image UUIDs use `-0001-`),
/// so a load script can name any of them without a list; they are inserted in key order.
enum BulkTaskLoader {
    /// Creates the database at `path` (which must not exist) and loads it.
    static func load(path: String, count: Int, prefix: String) async throws {
        let store = try TaskStore(path: path)
        await store.close()
        try fill(path: path, count: count, prefix: prefix)
    }

    /// Does `load` in a child process (its 128 MiB SQLite cache then never counts in this
    /// process's RSS). Returns the seconds taken.
    static func loadInChildProcess(path: String, count: Int, prefix: String) async throws -> Double {
        let started = ContinuousClock.now
        try await ChildProcess.run(["--bulk-load", "\(path),\(count),\(prefix)"], purpose: "bulk-loading tasks")
        return (ContinuousClock.now - started).seconds
    }

    /// The task UUID at `index`.
    static func taskUUID(prefix: String, index: Int) -> String {
        prefix + "-0000-4000-8000-" + hex12(index)
    }

    private static func imageUUID(prefix: String, index: Int) -> String {
        prefix + "-0001-4000-8000-" + hex12(index)
    }

    private static func hex12(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    private static func fill(path: String, count: Int, prefix: String) throws {
        let db = try SQLiteConnection(path: path, role: .writer, busyTimeout: .seconds(5))
        // A scratch database being built: no journal, no fsync. The daemon reopens it in WAL mode.
        _ = try db.query("PRAGMA journal_mode = OFF") { row -> String in row["journal_mode"] }
        try db.execute("PRAGMA synchronous = OFF")
        try db.execute("PRAGMA cache_size = -131072")
        try db.execute("BEGIN")
        let insertTask = try db.prepare(
            """
            INSERT INTO tasks (task_uuid, state, request_json, request_hash, payload_json, number_results,
                output_format, output_type, width, height, created_at, updated_at, submitted_at, finished_at,
                submit_attempts)
            VALUES (?, 'completed', ?, ?, ?, 1, 'JPG', 'URL', 1024, 1024, ?, ?, ?, ?, 1)
            """)
        let insertResult = try db.prepare(
            """
            INSERT INTO results (image_uuid, task_uuid, state, source_kind, source_value, seed, nsfw, cost, raw_json,
                received_at, format, width, height, byte_size, sha256, path, stored_at, fetch_attempts)
            VALUES (?, ?, 'stored', 'URL', ?, '42', NULL, 0.0038, ?, ?, 'JPG', 1024, 1024, 1048576, ?, ?, ?, 1)
            """)
        let template = BenchTasks.newTask(taskUUID: "00000000-0000-4000-8000-000000000000")
        let requestHash = SHA256Digest.hexHash(Array(template.requestJSON.utf8))
        let base = Date().timeIntervalSince1970 - Double(count) * 0.001 - 3600
        for index in 0..<count {
            let task = taskUUID(prefix: prefix, index: index)
            let image = imageUUID(prefix: prefix, index: index)
            let created = base + Double(index) * 0.001
            let payload = String(template.requestJSON.dropLast()) + #","deliveryMethod":"async","outputType":"URL","taskUUID":"\#(task)"}"#
            try insertTask.bind(task, at: 0)
            try insertTask.bind(template.requestJSON, at: 1)
            try insertTask.bind(requestHash, at: 2)
            try insertTask.bind(payload, at: 3)
            try insertTask.bind(created, at: 4)
            try insertTask.bind(created + 12, at: 5)
            try insertTask.bind(created + 0.2, at: 6)
            try insertTask.bind(created + 12, at: 7)
            _ = try insertTask.step()
            insertTask.reset()

            let url = "https://im.runware.ai/image/ws/2/ii/\(image).jpg"
            let sha256 = hex12(index) + String(repeating: "a", count: 52)
            try insertResult.bind(image, at: 0)
            try insertResult.bind(task, at: 1)
            try insertResult.bind(url, at: 2)
            try insertResult.bind(
                #"{"imageURL":"\#(url)","imageUUID":"\#(image)","seed":42,"taskType":"imageInference","taskUUID":"\#(task)"}"#,
                at: 3)
            try insertResult.bind(created + 10, at: 4)
            try insertResult.bind(sha256, at: 5)
            try insertResult.bind("/var/lib/kontextd/images/\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256).jpg", at: 6)
            try insertResult.bind(created + 12, at: 7)
            _ = try insertResult.step()
            insertResult.reset()
        }
        try db.execute("COMMIT")
    }
}
