import KontextCore

/// Column lists and row decoders for the task store's tables, shared by readers and the writer.
///
/// Rows are read by column name (the SELECT lists below may be reordered or extended freely);
/// the two records read in bulk resolve their names once per statement through a layout.
///
/// A value that cannot be decoded (an unknown state, format or a malformed seed) is reported as
/// `.corruptRecord` naming the table, column and value rather than guessed at.
enum RowDecoding {
    static let taskColumns = """
        task_uuid, state, request_json, request_hash, payload_json, number_results, output_format, \
        output_type, width, height, created_at, updated_at, submitted_at, finished_at, submit_attempts, \
        error_code, error_message, submit_failures, submission_uncertain, last_polled_at, held_reason, send_count, \
        poll_count, last_poll_outcome, last_poll_error, resent_after_failed_or_not_found
        """

    static let resultColumns = """
        image_uuid, task_uuid, state, source_kind, source_value, seed, nsfw, cost, raw_json, received_at, \
        format, width, height, byte_size, sha256, path, stored_at, failure_reason, fetch_attempts, received_via, refetches, thumbnail_sha256
        """

    static let errorColumns = "id, task_uuid, code, message, parameter, raw_json, recorded_at"

    static let unrecognisedColumns = "id, task_uuid, source, place, reason, raw_json, received_at"

    /// The columns a `TaskRecord` reads, resolved once per statement.
    struct TaskColumns: SQLiteRowLayout {
        let taskUUID, state, requestJSON, requestHash, payloadJSON, numberResults, outputFormat, outputType,
            width, height, createdAt, updatedAt, submittedAt, finishedAt, submitAttempts, errorCode, errorMessage,
            submitFailures, submissionUncertain, lastPolledAt, heldReason, sendCount, pollCount, lastPollOutcome,
            lastPollError, resentAfterFailedOrNotFound: SQLiteColumn

        init(_ statement: SQLiteStatement) throws(StoreError) {
            taskUUID = try statement.column("task_uuid")
            state = try statement.column("state")
            requestJSON = try statement.column("request_json")
            requestHash = try statement.column("request_hash")
            payloadJSON = try statement.column("payload_json")
            numberResults = try statement.column("number_results")
            outputFormat = try statement.column("output_format")
            outputType = try statement.column("output_type")
            width = try statement.column("width")
            height = try statement.column("height")
            createdAt = try statement.column("created_at")
            updatedAt = try statement.column("updated_at")
            submittedAt = try statement.column("submitted_at")
            finishedAt = try statement.column("finished_at")
            submitAttempts = try statement.column("submit_attempts")
            errorCode = try statement.column("error_code")
            errorMessage = try statement.column("error_message")
            submitFailures = try statement.column("submit_failures")
            submissionUncertain = try statement.column("submission_uncertain")
            lastPolledAt = try statement.column("last_polled_at")
            heldReason = try statement.column("held_reason")
            sendCount = try statement.column("send_count")
            pollCount = try statement.column("poll_count")
            lastPollOutcome = try statement.column("last_poll_outcome")
            lastPollError = try statement.column("last_poll_error")
            resentAfterFailedOrNotFound = try statement.column("resent_after_failed_or_not_found")
        }
    }

    /// The columns a `ResultRecord` reads, resolved once per statement.
    struct ResultColumns: SQLiteRowLayout {
        let imageUUID, taskUUID, state, sourceKind, sourceValue, seed, nsfw, cost, rawJSON, receivedAt, format,
            width, height, byteSize, sha256, path, storedAt, failureReason, fetchAttempts, receivedVia,
            refetches, thumbnailSHA256: SQLiteColumn

        init(_ statement: SQLiteStatement) throws(StoreError) {
            imageUUID = try statement.column("image_uuid")
            taskUUID = try statement.column("task_uuid")
            state = try statement.column("state")
            sourceKind = try statement.column("source_kind")
            sourceValue = try statement.column("source_value")
            seed = try statement.column("seed")
            nsfw = try statement.column("nsfw")
            cost = try statement.column("cost")
            rawJSON = try statement.column("raw_json")
            receivedAt = try statement.column("received_at")
            format = try statement.column("format")
            width = try statement.column("width")
            height = try statement.column("height")
            byteSize = try statement.column("byte_size")
            sha256 = try statement.column("sha256")
            path = try statement.column("path")
            storedAt = try statement.column("stored_at")
            failureReason = try statement.column("failure_reason")
            fetchAttempts = try statement.column("fetch_attempts")
            receivedVia = try statement.column("received_via")
            refetches = try statement.column("refetches")
            thumbnailSHA256 = try statement.column("thumbnail_sha256")
        }
    }

    static func task(_ row: SQLiteRow, operation: String) throws(StoreError) -> TaskRecord {
        let c = try row.layout(TaskColumns.self)
        let size: ImageSize?
        if let width: Int = row[c.width], let height: Int = row[c.height] {
            size = ImageSize(width: width, height: height)
        } else {
            size = nil
        }
        var record = TaskRecord(
            taskUUID: row[c.taskUUID],
            state: try decode(TaskState.self, row[c.state], table: "tasks", column: "state", operation),
            requestJSON: row[c.requestJSON],
            requestHash: row[c.requestHash],
            payloadJSON: row[c.payloadJSON],
            numberResults: row[c.numberResults],
            outputFormat: try decode(OutputFormat.self, row[c.outputFormat], table: "tasks", column: "output_format", operation),
            outputType: try decode(OutputType.self, row[c.outputType], table: "tasks", column: "output_type", operation),
            expectedSize: size,
            createdAt: row[c.createdAt],
            updatedAt: row[c.updatedAt],
            submittedAt: row[c.submittedAt],
            finishedAt: row[c.finishedAt],
            submitAttempts: row[c.submitAttempts],
            errorCode: row[c.errorCode],
            errorMessage: row[c.errorMessage])
        record.submitFailures = row[c.submitFailures]
        record.submissionUncertain = row[c.submissionUncertain]
        record.lastPolledAt = row[c.lastPolledAt]
        record.heldReason = row[c.heldReason]
        record.sendCount = row[c.sendCount]
        record.pollCount = row[c.pollCount]
        record.lastPollOutcome = row[c.lastPollOutcome]
        record.lastPollError = row[c.lastPollError]
        record.resentAfterFailedOrNotFound = row[c.resentAfterFailedOrNotFound]
        return record
    }

    static func result(_ row: SQLiteRow, operation: String) throws(StoreError) -> ResultRecord {
        let c = try row.layout(ResultColumns.self)
        var seed: UInt64?
        if let seedText: String = row[c.seed] {
            guard let value = UInt64(seedText) else {
                throw StoreError.corruptRecord(table: "results", column: "seed", value: seedText, operation: operation)
            }
            seed = value
        }
        var format: OutputFormat?
        if let formatText: String = row[c.format] {
            format = try decode(OutputFormat.self, formatText, table: "results", column: "format", operation)
        }
        let nsfw: Bool? = row[c.nsfw]
        var record = ResultRecord(
            imageUUID: row[c.imageUUID],
            taskUUID: row[c.taskUUID],
            state: try decode(ResultState.self, row[c.state], table: "results", column: "state", operation),
            sourceKind: try decode(OutputType.self, row[c.sourceKind], table: "results", column: "source_kind", operation),
            sourceValue: row[c.sourceValue],
            seed: seed,
            nsfw: nsfw,
            cost: row[c.cost],
            rawJSON: row[c.rawJSON],
            receivedAt: row[c.receivedAt],
            format: format,
            width: row[c.width],
            height: row[c.height],
            byteSize: row[c.byteSize],
            sha256: row[c.sha256],
            path: row[c.path],
            storedAt: row[c.storedAt],
            failureReason: row[c.failureReason],
            fetchAttempts: row[c.fetchAttempts])
        record.receivedVia = try decode(DeliverySource.self, row[c.receivedVia], table: "results", column: "received_via", operation)
        record.refetches = row[c.refetches]
        record.thumbnailSHA256 = row[c.thumbnailSHA256]
        return record
    }

    /// Errors are read only with their task (status queries): by name, without a layout.
    static func taskError(_ row: SQLiteRow) -> TaskErrorRecord {
        TaskErrorRecord(
            id: row["id"],
            taskUUID: row["task_uuid"],
            code: row["code"],
            message: row["message"],
            parameter: row["parameter"],
            rawJSON: row["raw_json"],
            recordedAt: row["recorded_at"])
    }

    /// Unrecognised items are read only with their task (status queries): by name, without a layout.
    static func unrecognisedItem(_ row: SQLiteRow, operation: String) throws(StoreError) -> UnrecognisedItemRecord {
        UnrecognisedItemRecord(
            id: row["id"],
            taskUUID: row["task_uuid"],
            source: try decode(DeliverySource.self, row["source"], table: "unrecognised_items", column: "source", operation),
            place: row["place"],
            reason: row["reason"],
            rawJSON: row["raw_json"],
            receivedAt: row["received_at"])
    }

    static func decode<Value: RawRepresentable<String>>(
        _ type: Value.Type, _ text: String, table: String, column: String, _ operation: String
    ) throws(StoreError) -> Value {
        guard let value = Value(rawValue: text) else {
            throw StoreError.corruptRecord(table: table, column: column, value: text, operation: operation)
        }
        return value
    }
}
