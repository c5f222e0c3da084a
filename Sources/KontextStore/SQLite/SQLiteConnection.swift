import CSQLite

/// One SQLite connection: opening with the store's PRAGMAs, statements, and SQL helpers.
///
/// Not `Sendable`: a connection belongs to the one thread that uses it (the writer's thread, or
/// one reader thread). Prepared statements used through `run`/`query`/`withStatement` are cached
/// and always reset after use, so none is left mid-step when a transaction commits.
package final class SQLiteConnection {
    /// How a connection is going to be used; decides how it is opened and configured.
    package enum Role: Sendable, Hashable {
        /// The single write connection: creates the file, WAL journal, `synchronous=FULL`.
        case writer
        /// A read connection: the file must exist; `query_only` forbids writes.
        case reader
        /// The checkpoint connection: the file must exist; it only copies WAL pages into the file.
        case checkpointer
    }

    /// The database file path.
    package let path: String
    let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens `path` for `role` and applies the store's PRAGMAs.
    ///
    /// Writer: `journal_mode=WAL` (checked), `synchronous=FULL` (in WAL mode this is what makes a
    /// committed transaction survive power loss), `foreign_keys=ON`, `busy_timeout`.
    /// Reader: `foreign_keys=ON`, `busy_timeout`, `query_only=ON`.
    package init(path: String, role: Role, busyTimeout: Duration) throws(StoreError) {
        var connection: OpaquePointer?
        let flags: Int32 = switch role {
        case .writer: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        case .reader, .checkpointer: SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        }
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(connection)
            throw StoreError.sqlite(code: code, message: "\(message) (\(path))", sql: nil, operation: "open")
        }
        self.path = path
        self.handle = connection
        sqlite3_extended_result_codes(connection, 1)

        let milliseconds = busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        try execute("PRAGMA busy_timeout = \(milliseconds)")
        try execute("PRAGMA foreign_keys = ON")
        switch role {
        case .writer:
            let mode: String = try queryFirst("PRAGMA journal_mode = WAL") { $0["journal_mode"] } ?? ""
            guard mode.lowercased() == "wal" else {
                throw StoreError(
                    kind: .sqlite, message: "journal_mode is \(mode), WAL was requested (\(path))",
                    sql: "PRAGMA journal_mode = WAL", operation: "open")
            }
            try execute("PRAGMA synchronous = FULL")
        case .reader:
            try execute("PRAGMA query_only = ON")
        case .checkpointer:
            break
        }
    }

    deinit {
        // Finalize cached statements first; close_v2 would otherwise linger as a zombie.
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that return no rows (schema, PRAGMAs, transaction control).
    package func execute(_ sql: String) throws(StoreError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else {
            throw Self.error(handle, code: code, sql: sql, operation: "execute")
        }
    }

    /// Prepares a statement that the caller owns (not cached).
    package func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        try SQLiteStatement(connection: handle, sql: sql, persistent: false)
    }

    /// Runs `body` with the cached statement for `sql`, bound to `values`, and resets it afterwards.
    package func withStatement<T>(
        _ sql: String, _ values: [SQLiteValue] = [],
        _ body: (SQLiteStatement) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let statement: SQLiteStatement
        if let cached = statements[sql] {
            statement = cached
        } else {
            statement = try SQLiteStatement(connection: handle, sql: sql, persistent: true)
            statements[sql] = statement
        }
        defer { statement.reset() }
        try statement.bind(values)
        return try body(statement)
    }

    /// Runs a statement that returns no rows; the number of rows it changed.
    @discardableResult
    package func run(_ sql: String, _ values: [SQLiteValue] = []) throws(StoreError) -> Int {
        try withStatement(sql, values) { (statement) throws(StoreError) -> Int in
            while try statement.step() {}
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs a query and maps every row with `row`, which reads the row's columns by name.
    package func query<T>(
        _ sql: String, _ values: [SQLiteValue] = [],
        row: (SQLiteRow) throws(StoreError) -> T
    ) throws(StoreError) -> [T] {
        try withStatement(sql, values) { (statement) throws(StoreError) -> [T] in
            var rows: [T] = []
            let current = statement.row
            while try statement.step() {
                rows.append(try row(current))
            }
            return rows
        }
    }

    /// Runs a query and maps its first row, or nil when there is none.
    package func queryFirst<T>(
        _ sql: String, _ values: [SQLiteValue] = [],
        row: (SQLiteRow) throws(StoreError) -> T
    ) throws(StoreError) -> T? {
        try withStatement(sql, values) { (statement) throws(StoreError) -> T? in
            try statement.step() ? try row(statement.row) : nil
        }
    }

    /// The rowid of the last row inserted on this connection.
    package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// True while a transaction is open (SQLite is not in autocommit mode).
    package var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Builds a `StoreError` from the connection's current error state.
    static func error(_ connection: OpaquePointer, code: Int32, sql: String?, operation: String) -> StoreError {
        // sqlite3_extended_errcode carries the extended code even when `code` is primary.
        let extended = sqlite3_extended_errcode(connection)
        let effective = (extended & 0xFF) == (code & 0xFF) ? extended : code
        return StoreError.sqlite(
            code: effective, message: String(cString: sqlite3_errmsg(connection)), sql: sql, operation: operation)
    }
}
