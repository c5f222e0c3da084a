import CSQLite
import KontextCore

/// Everything that can go wrong in the store, with what a person needs to act on it.
///
/// Modelled on GRDB's `DatabaseError`: an SQLite failure keeps the primary and extended result
/// codes, SQLite's own message (`sqlite3_errmsg`), the SQL that failed and the operation that
/// ran it. Domain failures (a missing row, a row that cannot be decoded, a transition the task
/// state machine forbids, a closed store) have their own kinds and say which record they concern.
package struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    package enum Kind: Sendable, Hashable {
        /// SQLite reported an error; `resultCode` and `extendedResultCode` say which.
        case sqlite
        /// The record the operation needs does not exist.
        case notFound
        /// A stored value cannot be read back as the type it should have.
        case corruptRecord
        /// The task state machine forbids the requested move; nothing was recorded for it.
        case invalidTransition
        /// The caller passed something the store cannot accept (for example a malformed cursor).
        case invalidInput
        /// The store was closed before the operation could run.
        case closed
    }

    /// The kind of failure.
    package let kind: Kind
    /// The primary SQLite result code (`SQLITE_FULL`, `SQLITE_READONLY`...), for `.sqlite` errors.
    package let resultCode: Int32?
    /// The extended SQLite result code (`SQLITE_IOERR_FSYNC`...), for `.sqlite` errors.
    package let extendedResultCode: Int32?
    /// What went wrong, in words: SQLite's message, or which record and value are concerned.
    package let message: String
    /// The SQL statement that failed, when there is one.
    package let sql: String?
    /// The operation that failed (`open`, `prepare`, `step`, `commit`, `enqueue`...).
    package let operation: String

    /// Creates an error; most code uses the static constructors below.
    package init(
        kind: Kind, resultCode: Int32? = nil, extendedResultCode: Int32? = nil,
        message: String, sql: String? = nil, operation: String
    ) {
        self.kind = kind
        self.resultCode = resultCode
        self.extendedResultCode = extendedResultCode
        self.message = message
        self.sql = sql
        self.operation = operation
    }

    /// An SQLite error from an extended result code (as returned with extended codes enabled).
    package static func sqlite(
        code: Int32, message: String, sql: String?, operation: String
    ) -> StoreError {
        StoreError(
            kind: .sqlite, resultCode: code & 0xFF, extendedResultCode: code,
            message: message, sql: sql, operation: operation)
    }

    /// A record that the operation needs and that does not exist.
    package static func notFound(_ what: String, key: String, operation: String) -> StoreError {
        StoreError(kind: .notFound, message: "\(what) \(key) not found", operation: operation)
    }

    /// A stored value that cannot be decoded: names the table, column and value.
    package static func corruptRecord(
        table: String, column: String, value: String, operation: String
    ) -> StoreError {
        StoreError(
            kind: .corruptRecord,
            message: "\(table).\(column) holds \"\(value)\", which is not a valid value",
            operation: operation)
    }

    /// A transition the task state machine refused, for the named task.
    package static func invalidTransition(
        _ transition: InvalidTransition, taskUUID: String, operation: String
    ) -> StoreError {
        StoreError(
            kind: .invalidTransition, message: "task \(taskUUID): \(transition.description)",
            operation: operation)
    }

    /// An argument the store cannot accept.
    package static func invalidInput(_ message: String, operation: String) -> StoreError {
        StoreError(kind: .invalidInput, message: message, operation: operation)
    }

    /// The store is closed.
    package static func closed(operation: String) -> StoreError {
        StoreError(kind: .closed, message: "the store is closed", operation: operation)
    }

    /// True when the disk is full (`SQLITE_FULL`): the data is fine, space must be freed.
    package var isDiskFull: Bool { kind == .sqlite && resultCode == SQLITE_FULL }

    /// True when the database cannot be written at all: read-only file or file system,
    /// or an I/O error (`SQLITE_READONLY`, `SQLITE_IOERR`, `SQLITE_CANTOPEN`, `SQLITE_PERM`).
    package var isReadOnly: Bool {
        guard kind == .sqlite, let code = resultCode else { return false }
        return code == SQLITE_READONLY || code == SQLITE_IOERR || code == SQLITE_CANTOPEN || code == SQLITE_PERM
    }

    /// True when the failure is the storage's, not the request's: disk full or not writable.
    ///
    /// A caller that sees this should answer "try again later" (HTTP 503) rather than blame
    /// the input; `isDiskFull` and `isReadOnly` say which of the two it is.
    package var isStorageUnavailable: Bool { isDiskFull || isReadOnly }

    /// True when another connection held a lock longer than the busy timeout.
    package var isBusy: Bool {
        kind == .sqlite && (resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED)
    }

    /// One line with the kind, codes, operation, message and SQL, for logs.
    package var description: String {
        var text: String
        switch kind {
        case .sqlite:
            text = "SQLite error \(resultCode ?? 0)"
            if let extended = extendedResultCode, extended != resultCode { text += " (extended \(extended))" }
            text += " during \(operation): \(message)"
        case .notFound: text = "not found during \(operation): \(message)"
        case .corruptRecord: text = "corrupt record during \(operation): \(message)"
        case .invalidTransition: text = "invalid transition during \(operation): \(message)"
        case .invalidInput: text = "invalid input to \(operation): \(message)"
        case .closed: text = "\(operation) failed: \(message)"
        }
        if let sql { text += " — SQL: \(sql)" }
        return text
    }
}
