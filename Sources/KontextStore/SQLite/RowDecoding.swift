import KontextCore

/// Column lists and row decoders for the task store's tables, shared by readers and the writer.
///
/// A value that cannot be decoded (an unknown state, format or a malformed seed) is reported as
/// `.corruptRecord` naming the table, column and value rather than guessed at.
enum RowDecoding {
    static let taskColumns = """
        task_uuid, state, request_json, request_hash, payload_json, number_results, output_format, \
        output_type, width, height, created_at, updated_at, submitted_at, finished_at, submit_attempts, \
        error_code, error_message, submit_failures, submission_uncertain, last_polled_at, send_count, poll_count, \
        last_poll_outcome, last_poll_error
        """

    static let resultColumns = """
        image_uuid, task_uuid, state, source_kind, source_value, seed, nsfw, cost, raw_json, received_at, \
        format, width, height, byte_size, sha256, path, stored_at, failure_reason, fetch_attempts, received_via, refetches
        """

    static let errorColumns = "id, task_uuid, code, message, parameter, raw_json, recorded_at"

    static let unrecognisedColumns = "id, task_uuid, source, place, reason, raw_json, received_at"

    static func task(_ row: SQLiteStatement, operation: String) throws(StoreError) -> TaskRecord {
        let size: ImageSize?
        if let width = row.optionalInt(at: 8), let height = row.optionalInt(at: 9) {
            size = ImageSize(width: width, height: height)
        } else {
            size = nil
        }
        var record = TaskRecord(
            taskUUID: row.text(at: 0),
            state: try decode(TaskState.self, row.text(at: 1), table: "tasks", column: "state", operation),
            requestJSON: row.text(at: 2),
            requestHash: row.text(at: 3),
            payloadJSON: row.text(at: 4),
            numberResults: row.int(at: 5),
            outputFormat: try decode(OutputFormat.self, row.text(at: 6), table: "tasks", column: "output_format", operation),
            outputType: try decode(OutputType.self, row.text(at: 7), table: "tasks", column: "output_type", operation),
            expectedSize: size,
            createdAt: row.double(at: 10),
            updatedAt: row.double(at: 11),
            submittedAt: row.optionalDouble(at: 12),
            finishedAt: row.optionalDouble(at: 13),
            submitAttempts: row.int(at: 14),
            errorCode: row.optionalText(at: 15),
            errorMessage: row.optionalText(at: 16))
        record.submitFailures = row.int(at: 17)
        record.submissionUncertain = row.int(at: 18) != 0
        record.lastPolledAt = row.optionalDouble(at: 19)
        record.sendCount = row.int(at: 20)
        record.pollCount = row.int(at: 21)
        record.lastPollOutcome = row.optionalText(at: 22)
        record.lastPollError = row.optionalText(at: 23)
        return record
    }

    static func result(_ row: SQLiteStatement, operation: String) throws(StoreError) -> ResultRecord {
        var seed: UInt64?
        if let seedText = row.optionalText(at: 5) {
            guard let value = UInt64(seedText) else {
                throw StoreError.corruptRecord(table: "results", column: "seed", value: seedText, operation: operation)
            }
            seed = value
        }
        var format: OutputFormat?
        if let formatText = row.optionalText(at: 10) {
            format = try decode(OutputFormat.self, formatText, table: "results", column: "format", operation)
        }
        var record = ResultRecord(
            imageUUID: row.text(at: 0),
            taskUUID: row.text(at: 1),
            state: try decode(ResultState.self, row.text(at: 2), table: "results", column: "state", operation),
            sourceKind: try decode(OutputType.self, row.text(at: 3), table: "results", column: "source_kind", operation),
            sourceValue: row.text(at: 4),
            seed: seed,
            nsfw: row.optionalInt(at: 6).map { $0 != 0 },
            cost: row.optionalDouble(at: 7),
            rawJSON: row.text(at: 8),
            receivedAt: row.double(at: 9),
            format: format,
            width: row.optionalInt(at: 11),
            height: row.optionalInt(at: 12),
            byteSize: row.optionalInt(at: 13),
            sha256: row.optionalText(at: 14),
            path: row.optionalText(at: 15),
            storedAt: row.optionalDouble(at: 16),
            failureReason: row.optionalText(at: 17),
            fetchAttempts: row.int(at: 18))
        record.receivedVia = try decode(DeliverySource.self, row.text(at: 19), table: "results", column: "received_via", operation)
        record.refetches = row.int(at: 20)
        return record
    }

    static func taskError(_ row: SQLiteStatement) -> TaskErrorRecord {
        TaskErrorRecord(
            id: row.int64(at: 0),
            taskUUID: row.text(at: 1),
            code: row.text(at: 2),
            message: row.text(at: 3),
            parameter: row.optionalText(at: 4),
            rawJSON: row.text(at: 5),
            recordedAt: row.double(at: 6))
    }

    static func unrecognisedItem(_ row: SQLiteStatement, operation: String) throws(StoreError) -> UnrecognisedItemRecord {
        UnrecognisedItemRecord(
            id: row.int64(at: 0),
            taskUUID: row.text(at: 1),
            source: try decode(DeliverySource.self, row.text(at: 2), table: "unrecognised_items", column: "source", operation),
            place: row.text(at: 3),
            reason: row.text(at: 4),
            rawJSON: row.text(at: 5),
            receivedAt: row.double(at: 6))
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
