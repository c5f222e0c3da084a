#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KontextCore
import KontextCrypto

/// The durable record of tasks, the deliveries that reported on them, their results and errors.
///
/// All writes go through one `DatabaseWriter` (group commit): when a method returns, what it
/// recorded is committed with `synchronous=FULL` and survives a crash or power loss. Reads go
/// through a `DatabaseReaderPool` and see everything committed before they started. State
/// changes always go through `TaskLifecycle`; a move it forbids records nothing and throws
/// `.invalidTransition`, except where a result must never be lost (see `recordDelivery`).
package final class TaskStore: Sendable {
    /// The database file.
    package let path: String
    let writer: DatabaseWriter
    let readers: DatabaseReaderPool
    private let clock: @Sendable () -> Double
    /// Writes events and their outbox rows inside the transactions that cause them.
    let outbox: EventOutbox
    /// Woken after every commit that appended events (the pull feed's long-poll, the sync service).
    package let eventsAppended = EventLogWatch()

    /// Opens the database at `path`, creating and migrating it as needed, and starts its threads.
    package init(path: String, configuration: StoreConfiguration = .init()) throws(StoreError) {
        self.path = path
        try Self.createPrivately(path)
        self.writer = try DatabaseWriter(
            path: path, busyTimeout: configuration.busyTimeout, migrator: TaskStoreSchema.migrator,
            logger: configuration.logger, onCommit: configuration.onCommit)
        self.readers = try DatabaseReaderPool(
            path: path, count: configuration.readerCount, busyTimeout: configuration.busyTimeout,
            logger: configuration.logger)
        self.clock = configuration.clock
        self.outbox = EventOutbox(subscriptions: configuration.sinks)
    }

    /// The refused results the ring still holds for a task (newest first, at most `limit`).
    package func refusedResults(taskUUID: String, limit: Int = 100) async throws(StoreError) -> [RefusedResult] {
        try await read("refusedResults") { (db) throws(StoreError) -> [RefusedResult] in
            try db.query(
                """
                SELECT task_uuid, image_uuid, reason, source, source_kind, url, received_at FROM refused_results
                WHERE task_uuid = ? ORDER BY seq DESC LIMIT ?
                """,
                [.text(taskUUID), .integer(Int64(max(0, limit)))]
            ) { row in
                RefusedResult(
                    taskUUID: row["task_uuid"], imageUUID: row["image_uuid"],
                    reason: ResultRefusal(rawValue: row["reason"]) ?? .resultLimit,
                    source: DeliverySource(rawValue: row["source"]) ?? .webhook,
                    sourceKind: OutputType(rawValue: row["source_kind"]) ?? .url, url: row["url"], receivedAt: row["received_at"])
            }
        }
    }

    /// Rows in the refused-results ring (never more than `refusedResultsCapacity`).
    package func refusedResultCount() async throws(StoreError) -> Int {
        try await read("refusedResultCount") { (db) throws(StoreError) -> Int in
            try db.queryFirst("SELECT COUNT(*) AS count FROM refused_results") { $0["count"] } ?? 0
        }
    }

    /// Returns once the writer thread has run an empty write: proof that it is alive and taking
    /// work (the systemd watchdog heartbeat is sent only after this answers).
    package func ping() async throws(StoreError) {
        try await write("ping") { _ in }
    }

    /// Time the writer thread has spent on writes since the store opened: how busy the daemon's one
    /// serialized resource is (`BusyFraction`, `ForegroundYield`).
    package var writerBusyTime: Duration { writer.statistics.busyTime }

    /// Finishes pending writes and reads, closes every connection and joins the store's threads.
    package func close() async {
        await writer.close()
        await readers.close()
    }

    // MARK: Tasks

    /// Records a new task as queued, or reports what already exists under its UUID.
    ///
    /// Same UUID and same request (by SHA-256 of `requestJSON`): `.existing`, an idempotent resend.
    /// Same UUID, different request: `.conflict`, and nothing changes.
    package func enqueue(_ task: NewTask) async throws(StoreError) -> EnqueueOutcome {
        guard task.numberResults >= 1 else {
            throw StoreError.invalidInput("numberResults must be at least 1, got \(task.numberResults)", operation: "enqueue")
        }
        let hash = SHA256Digest.hexHash(Array(task.requestJSON.utf8))
        let now = clock()
        return try await write("enqueue") { (db) throws(StoreError) -> EnqueueOutcome in
            if let existing = try Self.loadTask(task.taskUUID, in: db, operation: "enqueue") {
                return existing.requestHash == hash ? .existing(existing) : .conflict(existing)
            }
            let record = TaskRecord(
                taskUUID: task.taskUUID, state: .queued, requestJSON: task.requestJSON, requestHash: hash,
                payloadJSON: task.payloadJSON, numberResults: task.numberResults, outputFormat: task.outputFormat,
                outputType: task.outputType, expectedSize: task.expectedSize, createdAt: now, updatedAt: now,
                submittedAt: nil, finishedAt: nil, submitAttempts: 0, errorCode: nil, errorMessage: nil)
            try db.run(
                """
                INSERT INTO tasks (task_uuid, state, request_json, request_hash, payload_json, number_results,
                    output_format, output_type, width, height, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(record.taskUUID), .text(record.state.rawValue), .text(record.requestJSON), .text(hash),
                    .text(record.payloadJSON), .integer(Int64(record.numberResults)),
                    .text(record.outputFormat.rawValue), .text(record.outputType.rawValue),
                    .integer(record.expectedSize?.width), .integer(record.expectedSize?.height),
                    .double(now), .double(now),
                ])
            return .created(record)
        }
    }

    /// Records that Runware acknowledged these tasks: each moves by `.accepted` and its
    /// `submitAttempts` grows by one. All or nothing: an unknown UUID (`.notFound`) or a task the
    /// lifecycle forbids accepting (`.invalidTransition`, a rejected one) leaves every task unchanged.
    package func markSubmitted(_ taskUUIDs: [String], at time: Double) async throws(StoreError) {
        try await write("markSubmitted") { (db) throws(StoreError) in
            for uuid in taskUUIDs {
                let current = try Self.requireTaskState(uuid, in: db, operation: "markSubmitted")
                let next = try Self.transition(
                    current.state, on: .accepted, numberResults: current.numberResults, taskUUID: uuid,
                    operation: "markSubmitted")
                try db.run(
                    """
                    UPDATE tasks SET state = ?, updated_at = ?, submitted_at = COALESCE(submitted_at, ?),
                        submit_attempts = submit_attempts + 1, submission_uncertain = 0
                    WHERE task_uuid = ?
                    """,
                    [.text(next.rawValue), .double(time), .double(time), .text(uuid)])
            }
        }
    }

    /// Records Runware's refusal of a task: the error is kept in `task_errors`, and the task moves
    /// by `.rejected` (a task already accepted stays submitted; the error is still kept).
    /// Returns the task's state afterwards. Throws `.notFound`, or `.invalidTransition` (nothing
    /// recorded) when the lifecycle forbids it.
    @discardableResult
    package func markRejected(
        _ taskUUID: String, code: String, message: String, parameter: String?, rawJSON: String, at time: Double
    ) async throws(StoreError) -> TaskState {
        let outbox = self.outbox
        let state = try await write("markRejected") { [outbox] (db) throws(StoreError) -> TaskState in
            let current = try Self.requireTaskState(taskUUID, in: db, operation: "markRejected")
            let change = try Self.plan(taskUUID: taskUUID, operation: "markRejected") { () throws(InvalidTransition) in
                try TaskTransitions.rejection(
                    from: current.state, numberResults: current.numberResults,
                    error: TaskFailureSummary(code: code, message: message))
            }
            try Self.insertError(
                taskUUID: taskUUID, code: code, message: message, parameter: parameter, rawJSON: rawJSON, at: time, in: db)
            try Self.apply(change, to: taskUUID, at: time, outbox: outbox, in: db)
            return change.to
        }
        if state.isFinal { eventsAppended.advance() }
        return state
    }

    // MARK: Deliveries

    /// Records one delivery (webhook body, submission response or poll) in one transaction.
    ///
    /// New results are inserted as pending (a known image UUID is a duplicate and stores nothing);
    /// new failures are kept in `task_errors` and move the task by `.runwareFailed`; new results
    /// move it by `.resultsProgressed` (a result proves acceptance, so a queued task becomes
    /// submitted). The raw body is kept when the delivery carried anything new; a pure duplicate
    /// stores nothing. A result for a rejected task is still stored (a result is never lost) while
    /// the task stays rejected. A distinct result beyond the task's `numberResults`, or for a
    /// completed or failed task, is refused (`refusedResults`): not stored as a result, noted in
    /// the bounded `refused_results` ring — except a task kontextd itself ended at its deadline
    /// (`deadlineExceeded*`), whose late results up to `numberResults` are still taken (Runware
    /// made and charged for them; the task stays failed). Unrecognised items are kept beside the
    /// task (once each) and change nothing else. Throws `.notFound` for an unknown task, `.invalidInput` when a
    /// result or failure names another task.
    package func recordDelivery(
        taskUUID: String, source: DeliverySource, rawBody: [UInt8], results: [IncomingResult],
        failures: [IncomingFailure], unrecognised: [IncomingUnrecognised], at time: Double
    ) async throws(StoreError) -> DeliveryOutcome {
        if let stray = results.first(where: { $0.taskUUID != taskUUID }) {
            throw StoreError.invalidInput(
                "result \(stray.imageUUID) belongs to task \(stray.taskUUID), not \(taskUUID)", operation: "recordDelivery")
        }
        if let stray = failures.first(where: { $0.taskUUID != taskUUID }) {
            throw StoreError.invalidInput(
                "failure \(stray.code) belongs to task \(stray.taskUUID), not \(taskUUID)", operation: "recordDelivery")
        }
        let outbox = self.outbox
        let outcome = try await write("recordDelivery") { [outbox] (db) throws(StoreError) -> DeliveryOutcome in
            // One statement reads the task and its results' tally: this runs on the writer thread
            // for every webhook, and three lookups here cost a fifth of the ack rate.
            let current = try Self.requireDeliveryView(taskUUID, in: db)
            var newResults: [String] = []
            var duplicateResults: [String] = []
            var refusedResults: [String] = []
            var refusal: ResultRefusal?
            // A task takes at most numberResults distinct results, and none once it is completed
            // or failed: a token holder posting more must not make the daemon fetch, store or
            // count them. A rejected task still takes results up to its number: one arriving
            // proves an earlier, uncertain send ran after all, and Runware charged for it.
            var over = current.state == .completed || current.state == .failed
            if current.state == .failed {
                // A task kontextd ended at its deadline still takes its late results (up to its number).
                over = !ReconcilePolicy.takesLateResults(errorCode: current.errorCode)
            }
            var distinct = current.results
            for result in results {
                if over || distinct >= current.numberResults {
                    if try Self.resultExists(result.imageUUID, in: db) {
                        duplicateResults.append(result.imageUUID)
                    } else {
                        let reason: ResultRefusal = over ? .taskFinal : .resultLimit
                        try Self.recordRefusal(result, reason: reason, source: source, at: time, in: db)
                        refusedResults.append(result.imageUUID)
                        refusal = refusal ?? reason
                    }
                    continue
                }
                let inserted = try db.run(
                    """
                    INSERT OR IGNORE INTO results (image_uuid, task_uuid, state, source_kind, source_value, seed,
                        nsfw, cost, raw_json, received_at, received_via)
                    VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(result.imageUUID), .text(taskUUID), .text(result.sourceKind.rawValue),
                        .text(result.sourceValue), .text(result.seed.map { String($0) }),
                        .integer(result.nsfw.map { $0 ? 1 : 0 }), .double(result.cost), .text(result.rawJSON),
                        .double(time), .text(source.rawValue),
                    ])
                if inserted == 1 {
                    newResults.append(result.imageUUID)
                    distinct += 1
                } else {
                    duplicateResults.append(result.imageUUID)
                }
            }
            var newFailures: [IncomingFailure] = []
            // The task's errors are read once into a set: one query per failure, each scanning
            // every error of the task, made a delivery of N failures cost N² on the writer thread.
            var knownFailures = Set<FailureIdentity>()
            if !failures.isEmpty {
                for identity in try db.query(
                    "SELECT code, raw_json FROM task_errors WHERE task_uuid = ?", [.text(taskUUID)],
                    row: { FailureIdentity(code: $0["code"], rawJSON: $0["raw_json"]) })
                {
                    knownFailures.insert(identity)
                }
            }
            for failure in failures {
                guard knownFailures.insert(FailureIdentity(code: failure.code, rawJSON: failure.rawJSON)).inserted else { continue }
                try Self.insertError(
                    taskUUID: taskUUID, code: failure.code, message: failure.message, parameter: failure.parameter,
                    rawJSON: failure.rawJSON, at: time, in: db)
                newFailures.append(failure)
            }
            var unrecognisedRecorded = 0
            for item in unrecognised {
                let known = try db.queryFirst(
                    "SELECT 1 FROM unrecognised_items WHERE task_uuid = ? AND raw_json = ? LIMIT 1",
                    [.text(taskUUID), .text(item.rawJSON)]
                ) { _ in true } ?? false
                if known { continue }
                try db.run(
                    """
                    INSERT INTO unrecognised_items (task_uuid, source, place, reason, raw_json, received_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [.text(taskUUID), .text(source.rawValue), .text(item.place), .text(item.reason), .text(item.rawJSON), .double(time)])
                unrecognisedRecorded += 1
            }
            guard !newResults.isEmpty || !newFailures.isEmpty else {
                var outcome = DeliveryOutcome(
                    newResults: [], duplicateResults: duplicateResults, refusedResults: refusedResults, refusal: refusal,
                    failuresRecorded: 0, state: current.state)
                outcome.unrecognisedRecorded = unrecognisedRecorded
                return outcome
            }
            try db.run(
                "INSERT INTO deliveries (task_uuid, source, received_at, raw_body) VALUES (?, ?, ?, ?)",
                [.text(taskUUID), .text(source.rawValue), .double(time), .blob(rawBody)])

            let change = TaskTransitions.afterDelivery(
                from: current.state, numberResults: current.numberResults,
                firstNewFailure: newFailures.first.map { TaskFailureSummary(code: $0.code, message: $0.message) },
                // New results are pending, so the stored and failed counts read before the inserts hold.
                resultCounts: newResults.isEmpty ? nil : (stored: current.stored, failed: current.failed))
            try Self.apply(change, to: taskUUID, at: time, outbox: outbox, in: db)
            var outcome = DeliveryOutcome(
                newResults: newResults, duplicateResults: duplicateResults, refusedResults: refusedResults, refusal: refusal,
                failuresRecorded: newFailures.count, state: change.to)
            outcome.unrecognisedRecorded = unrecognisedRecorded
            return outcome
        }
        // Only a delivery that finished its task (Runware's failure report) appended an event.
        if outcome.state.isFinal && outcome.failuresRecorded > 0 { eventsAppended.advance() }
        return outcome
    }

    // MARK: Results

    /// Records that a result's image was fetched, verified and written; returns the task's new
    /// state (`.resultsProgressed` with the task's stored and failed counts; `finishedAt` is set
    /// when that is final). For a task Runware rejected, the result is still recorded and the task
    /// stays rejected. Throws `.notFound` for an unknown image UUID.
    @discardableResult
    package func markResultStored(imageUUID: String, image: StoredImage, at time: Double) async throws(StoreError) -> TaskState {
        let outbox = self.outbox
        let state = try await write("markResultStored") { [outbox] (db) throws(StoreError) -> TaskState in
            let changed = try db.run(
                """
                UPDATE results SET state = 'stored', format = ?, width = ?, height = ?, byte_size = ?, sha256 = ?,
                    path = ?, stored_at = ?, failure_reason = NULL, thumbnail_sha256 = COALESCE(?, thumbnail_sha256)
                WHERE image_uuid = ?
                """,
                [
                    .text(image.format.rawValue), .integer(Int64(image.width)), .integer(Int64(image.height)),
                    .integer(Int64(image.byteSize)), .text(image.sha256), .text(image.path), .double(time),
                    .text(image.thumbnailSHA256), .text(imageUUID),
                ])
            guard changed == 1 else { throw StoreError.notFound("result", key: imageUUID, operation: "markResultStored") }
            // The image's event and its outbox rows commit with the result: none is ever missed.
            try outbox.appendImageStored(imageUUID: imageUUID, at: time, in: db)
            return try Self.progressTask(ofImage: imageUUID, at: time, outbox: outbox, in: db, operation: "markResultStored")
        }
        eventsAppended.advance()
        return state
    }

    /// Records that a result could not be fetched or verified, with the reason; returns the task's
    /// new state (it fails once every result is resolved and one was lost). A result already stored
    /// stays stored. Throws `.notFound` for an unknown image UUID.
    @discardableResult
    package func markResultFailed(imageUUID: String, reason: String, at time: Double) async throws(StoreError) -> TaskState {
        let outbox = self.outbox
        let state = try await write("markResultFailed") { [outbox] (db) throws(StoreError) -> TaskState in
            let state: String? = try db.queryFirst("SELECT state FROM results WHERE image_uuid = ?", [.text(imageUUID)]) {
                $0["state"]
            }
            guard let state else { throw StoreError.notFound("result", key: imageUUID, operation: "markResultFailed") }
            if state != ResultState.stored.rawValue {
                try db.run(
                    "UPDATE results SET state = 'failed', failure_reason = ? WHERE image_uuid = ?",
                    [.text(reason), .text(imageUUID)])
            }
            return try Self.progressTask(ofImage: imageUUID, at: time, outbox: outbox, in: db, operation: "markResultFailed")
        }
        if state.isFinal { eventsAppended.advance() }
        return state
    }

    /// Counts one more fetch attempt for a result; returns the new count. Throws `.notFound`.
    @discardableResult
    package func recordFetchAttempt(imageUUID: String) async throws(StoreError) -> Int {
        try await write("recordFetchAttempt") { (db) throws(StoreError) -> Int in
            let changed = try db.run(
                "UPDATE results SET fetch_attempts = fetch_attempts + 1 WHERE image_uuid = ?", [.text(imageUUID)])
            guard changed == 1 else { throw StoreError.notFound("result", key: imageUUID, operation: "recordFetchAttempt") }
            return try db.queryFirst("SELECT fetch_attempts FROM results WHERE image_uuid = ?", [.text(imageUUID)]) {
                $0["fetch_attempts"]
            } ?? 0
        }
    }

    // MARK: Queries

    /// Queued tasks, oldest first (ties in creation time in insertion order), at most `limit`.
    package func queuedTasks(limit: Int) async throws(StoreError) -> [TaskRecord] {
        try await read("queuedTasks") { (db) throws(StoreError) -> [TaskRecord] in
            try db.query(
                "SELECT \(RowDecoding.taskColumns) FROM tasks WHERE state = 'queued' ORDER BY created_at, rowid LIMIT ?",
                [.integer(Int64(max(0, limit)))]
            ) { (row) throws(StoreError) in try RowDecoding.task(row, operation: "queuedTasks") }
        }
    }

    /// Results waiting to be fetched and verified, oldest first, at most `limit`.
    package func pendingResults(limit: Int) async throws(StoreError) -> [ResultRecord] {
        try await read("pendingResults") { (db) throws(StoreError) -> [ResultRecord] in
            try db.query(
                "SELECT \(RowDecoding.resultColumns) FROM results WHERE state = 'pending' ORDER BY received_at, rowid LIMIT ?",
                [.integer(Int64(max(0, limit)))]
            ) { (row) throws(StoreError) in try RowDecoding.result(row, operation: "pendingResults") }
        }
    }

    /// A task with its results and errors, read in one snapshot; nil when unknown.
    package func task(_ taskUUID: String) async throws(StoreError) -> TaskDetail? {
        try await read("task") { (db) throws(StoreError) -> TaskDetail? in
            guard let task = try Self.loadTask(taskUUID, in: db, operation: "task") else { return nil }
            let results = try db.query(
                "SELECT \(RowDecoding.resultColumns) FROM results WHERE task_uuid = ? ORDER BY received_at, rowid",
                [.text(taskUUID)]
            ) { (row) throws(StoreError) in try RowDecoding.result(row, operation: "task") }
            let errors = try db.query(
                "SELECT \(RowDecoding.errorColumns) FROM task_errors WHERE task_uuid = ? ORDER BY id", [.text(taskUUID)]
            ) { RowDecoding.taskError($0) }
            let unrecognised = try db.query(
                "SELECT \(RowDecoding.unrecognisedColumns) FROM unrecognised_items WHERE task_uuid = ? ORDER BY id",
                [.text(taskUUID)]
            ) { (row) throws(StoreError) in try RowDecoding.unrecognisedItem(row, operation: "task") }
            return TaskDetail(task: task, results: results, errors: errors, unrecognised: unrecognised)
        }
    }

    /// A page of tasks ordered by (creation time, task UUID), optionally only those in `state`.
    ///
    /// `after` is the `nextCursor` of the previous page (nil for the first page); keyset
    /// pagination, so tasks created meanwhile never shift pages. Throws `.invalidInput` for a
    /// cursor this store did not produce.
    ///
    /// `newestFirst` walks the same index backwards (the dashboard's order); the cursor then
    /// means "older than".
    package func tasks(state: TaskState?, limit: Int, after cursor: String?, newestFirst: Bool = false) async throws(StoreError)
        -> TaskPage
    {
        var position: TaskPageCursor?
        if let cursor {
            guard let decoded = TaskPageCursor(encoded: cursor) else {
                throw StoreError.invalidInput("page cursor \"\(cursor)\" is malformed", operation: "tasks")
            }
            position = decoded
        }
        let limit = max(1, limit)
        return try await read("tasks") { [position] (db) throws(StoreError) -> TaskPage in
            var conditions: [String] = []
            var values: [SQLiteValue] = []
            if let state {
                conditions.append("state = ?")
                values.append(.text(state.rawValue))
            }
            if let position {
                let beyond = newestFirst ? "<" : ">"
                conditions.append("(created_at \(beyond) ? OR (created_at = ? AND task_uuid \(beyond) ?))")
                values += [.double(position.createdAt), .double(position.createdAt), .text(position.taskUUID)]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let order = newestFirst ? "created_at DESC, task_uuid DESC" : "created_at, task_uuid"
            values.append(.integer(Int64(limit + 1)))
            var tasks = try db.query(
                "SELECT \(RowDecoding.taskColumns) FROM tasks \(filter) ORDER BY \(order) LIMIT ?", values
            ) { (row) throws(StoreError) in try RowDecoding.task(row, operation: "tasks") }
            // One row more than asked tells whether another page exists.
            var next: String?
            if tasks.count > limit {
                tasks.removeLast()
                if let last = tasks.last { next = TaskPageCursor(createdAt: last.createdAt, taskUUID: last.taskUUID).encoded }
            }
            return TaskPage(tasks: tasks, nextCursor: next)
        }
    }

    /// One result by image UUID; nil when unknown.
    package func result(imageUUID: String) async throws(StoreError) -> ResultRecord? {
        try await read("result") { (db) throws(StoreError) -> ResultRecord? in
            try db.queryFirst("SELECT \(RowDecoding.resultColumns) FROM results WHERE image_uuid = ?", [.text(imageUUID)]) {
                (row) throws(StoreError) in try RowDecoding.result(row, operation: "result")
            }
        }
    }

    /// How many tasks are in each state; every state is present (0 when none).
    package func stateCounts() async throws(StoreError) -> [TaskState: Int] {
        try await read("stateCounts") { (db) throws(StoreError) -> [TaskState: Int] in
            var counts = Dictionary(uniqueKeysWithValues: TaskState.allCases.map { ($0, 0) })
            for (text, count) in try db.query(
                "SELECT state, COUNT(*) AS count FROM tasks GROUP BY state", row: { row -> (String, Int) in (row["state"], row["count"]) })
            {
                counts[try RowDecoding.decode(TaskState.self, text, table: "tasks", column: "state", "stateCounts")] = count
            }
            return counts
        }
    }

    /// How many results are in each state; every state is present (0 when none).
    package func resultCounts() async throws(StoreError) -> [ResultState: Int] {
        try await read("resultCounts") { (db) throws(StoreError) -> [ResultState: Int] in
            var counts = Dictionary(uniqueKeysWithValues: ResultState.allCases.map { ($0, 0) })
            for (text, count) in try db.query(
                "SELECT state, COUNT(*) AS count FROM results GROUP BY state", row: { row -> (String, Int) in (row["state"], row["count"]) })
            {
                counts[try RowDecoding.decode(ResultState.self, text, table: "results", column: "state", "resultCounts")] = count
            }
            return counts
        }
    }

    // MARK: Plumbing

    func write<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (SQLiteConnection) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        do {
            return try await writer.write { connection in try body(connection) }
        } catch let error as StoreError {
            throw error
        } catch {
            // The writer only adds StoreErrors to the body's own, which are StoreErrors here.
            throw StoreError(kind: .sqlite, message: String(describing: error), operation: operation)
        }
    }

    func read<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (SQLiteConnection) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        do {
            return try await readers.read { connection in try body(connection) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(kind: .sqlite, message: String(describing: error), operation: operation)
        }
    }

    static func loadTask(_ taskUUID: String, in db: SQLiteConnection, operation: String) throws(StoreError) -> TaskRecord? {
        try db.queryFirst("SELECT \(RowDecoding.taskColumns) FROM tasks WHERE task_uuid = ?", [.text(taskUUID)]) {
            (row) throws(StoreError) in try RowDecoding.task(row, operation: operation)
        }
    }

    static func requireTaskState(
        _ taskUUID: String, in db: SQLiteConnection, operation: String
    ) throws(StoreError) -> (state: TaskState, numberResults: Int) {
        let row = try db.queryFirst("SELECT state, number_results FROM tasks WHERE task_uuid = ?", [.text(taskUUID)]) {
            row -> (String, Int) in (row["state"], row["number_results"])
        }
        guard let row else { throw StoreError.notFound("task", key: taskUUID, operation: operation) }
        let state = try RowDecoding.decode(TaskState.self, row.0, table: "tasks", column: "state", operation)
        return (state, row.1)
    }

    static func transition(
        _ state: TaskState, on event: TaskEvent, numberResults: Int, taskUUID: String, operation: String
    ) throws(StoreError) -> TaskState {
        do {
            return try TaskLifecycle.next(from: state, on: event, numberResults: numberResults)
        } catch {
            throw StoreError.invalidTransition(error, taskUUID: taskUUID, operation: operation)
        }
    }

    /// How many entries the `refused_results` ring keeps; each new refusal replaces the oldest.
    package static let refusedResultsCapacity = 10_000

    /// What a delivery needs to know of its task, read in one statement: its state, size and error
    /// code, and how many results it has (all, stored, failed; `results_by_task` covers the counts).
    /// Throws `.notFound` for an unknown task.
    static func requireDeliveryView(_ taskUUID: String, in db: SQLiteConnection) throws(StoreError) -> DeliveryView {
        let row = try db.queryFirst(
            """
            SELECT t.state AS state, t.number_results AS number_results, t.error_code AS error_code,
                COUNT(r.task_uuid) AS results, COALESCE(SUM(r.state = 'stored'), 0) AS stored,
                COALESCE(SUM(r.state = 'failed'), 0) AS failed
            FROM tasks t LEFT JOIN results r ON r.task_uuid = t.task_uuid
            WHERE t.task_uuid = ? GROUP BY t.task_uuid
            """,
            [.text(taskUUID)]
        ) { row -> (String, Int, String?, Int, Int, Int) in
            (row["state"], row["number_results"], row["error_code"], row["results"], row["stored"], row["failed"])
        }
        guard let row else { throw StoreError.notFound("task", key: taskUUID, operation: "recordDelivery") }
        return DeliveryView(
            state: try RowDecoding.decode(TaskState.self, row.0, table: "tasks", column: "state", "recordDelivery"),
            numberResults: row.1, errorCode: row.2, results: row.3, stored: row.4, failed: row.5)
    }

    /// A task as `recordDelivery` sees it (see `requireDeliveryView`).
    struct DeliveryView {
        var state: TaskState
        var numberResults: Int
        var errorCode: String?
        var results: Int
        var stored: Int
        var failed: Int
    }

    static func resultExists(_ imageUUID: String, in db: SQLiteConnection) throws(StoreError) -> Bool {
        try db.queryFirst("SELECT 1 AS found FROM results WHERE image_uuid = ?", [.text(imageUUID)]) { (_: SQLiteRow) in true } ?? false
    }

    /// Notes a refused result in the ring: slot `seq % capacity` is overwritten, so the table never
    /// holds more than `refusedResultsCapacity` rows. Inline image data is never kept.
    static func recordRefusal(
        _ result: IncomingResult, reason: ResultRefusal, source: DeliverySource, at time: Double, in db: SQLiteConnection
    ) throws(StoreError) {
        let last: Int64 = try db.queryFirst("SELECT COALESCE(MAX(seq), 0) AS last FROM refused_results") { $0["last"] } ?? 0
        let seq = last + 1
        let url = result.sourceKind == .url ? String(result.sourceValue.prefix(2048)) : nil
        try db.run(
            """
            INSERT OR REPLACE INTO refused_results (slot, seq, task_uuid, image_uuid, reason, source, source_kind, url, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(seq % Int64(refusedResultsCapacity)), .integer(seq), .text(result.taskUUID), .text(result.imageUUID),
                .text(reason.rawValue), .text(source.rawValue), .text(result.sourceKind.rawValue), .text(url), .double(time),
            ])
    }

    /// Runs a Core decision that may refuse the move, reporting a refusal as `.invalidTransition`.
    static func plan(
        taskUUID: String, operation: String, _ decide: () throws(InvalidTransition) -> TaskStateChange
    ) throws(StoreError) -> TaskStateChange {
        do {
            return try decide()
        } catch {
            throw StoreError.invalidTransition(error, taskUUID: taskUUID, operation: operation)
        }
    }

    static func resultCounts(_ taskUUID: String, in db: SQLiteConnection) throws(StoreError) -> (stored: Int, failed: Int) {
        try db.queryFirst(
            """
            SELECT COALESCE(SUM(state = 'stored'), 0) AS stored, COALESCE(SUM(state = 'failed'), 0) AS failed
            FROM results WHERE task_uuid = ?
            """,
            [.text(taskUUID)]
        ) { row -> (stored: Int, failed: Int) in (row["stored"], row["failed"]) } ?? (0, 0)
    }

    /// Applies `.resultsProgressed` for the task owning `imageUUID`; a rejected task stays rejected.
    static func progressTask(
        ofImage imageUUID: String, at time: Double, outbox: EventOutbox, in db: SQLiteConnection, operation: String
    ) throws(StoreError) -> TaskState {
        guard let taskUUID: String = try db.queryFirst("SELECT task_uuid FROM results WHERE image_uuid = ?", [.text(imageUUID)], row: { $0["task_uuid"] }) else {
            throw StoreError.notFound("result", key: imageUUID, operation: operation)
        }
        let current = try requireTaskState(taskUUID, in: db, operation: operation)
        let counts = try resultCounts(taskUUID, in: db)
        let change = TaskTransitions.afterResultResolved(
            from: current.state, numberResults: current.numberResults, stored: counts.stored, failed: counts.failed)
        try apply(change, to: taskUUID, at: time, outbox: outbox, in: db)
        return change.to
    }

    /// Writes a change Core decided (`TaskTransitions`): the state, `submitted_at` and
    /// `finished_at` when the change sets them, the error columns when given and not yet set.
    /// A change that writes nothing costs no statement.
    static func apply(
        _ change: TaskStateChange, to taskUUID: String, at time: Double, outbox: EventOutbox, in db: SQLiteConnection
    ) throws(StoreError) {
        if change.writesNothing { return }
        let (new, error, provesAcceptance, becomesFinal) = (change.to, change.error, change.provesAcceptance, change.becomesFinal)
        try db.run(
            """
            UPDATE tasks SET state = ?, updated_at = ?,
                submitted_at = COALESCE(submitted_at, ?),
                finished_at = COALESCE(finished_at, ?),
                error_code = COALESCE(error_code, ?),
                error_message = CASE WHEN error_code IS NULL THEN ? ELSE error_message END
            WHERE task_uuid = ?
            """,
            [
                .text(new.rawValue), .double(time), .double(provesAcceptance ? time : nil),
                .double(becomesFinal ? time : nil), .text(error?.code), .text(error?.message), .text(taskUUID),
            ])
        // The downstream event is part of the same transaction: a final task always has its event.
        if becomesFinal { try outbox.appendTaskFinished(taskUUID: taskUUID, state: new, at: time, in: db) }
    }

    static func insertError(
        taskUUID: String, code: String, message: String, parameter: String?, rawJSON: String, at time: Double,
        in db: SQLiteConnection
    ) throws(StoreError) {
        try db.run(
            "INSERT INTO task_errors (task_uuid, code, message, parameter, raw_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(taskUUID), .text(code), .text(message), .text(parameter), .text(rawJSON), .double(time)])
    }
}

/// What makes two reported failures the same one: an identical failure delivered again is a duplicate.
private struct FailureIdentity: Hashable {
    let code: String
    let rawJSON: String
}

extension TaskStore {
    /// Creates the database file readable and writable by its owner only (0600), or tightens an
    /// existing one to that: it holds prompts, image URLs and Runware's answers. SQLite gives its
    /// -wal and -shm files the database file's mode.
    static func createPrivately(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(kind: .sqlite, message: "cannot create \(path): \(String(cString: strerror(errno)))", sql: nil, operation: "open")
        }
        defer { _ = Glibc.close(descriptor) }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & 0o077 != 0 {
            _ = fchmod(descriptor, 0o600)
        }
    }
}
