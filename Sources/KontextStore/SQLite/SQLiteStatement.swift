import CSQLite

/// A prepared SQLite statement with typed binding, stepping and column reads.
///
/// Belongs to the connection that prepared it and, like it, to one thread. Parameters are
/// numbered from 0 here (SQLite's start at 1; the offset is applied inside); columns are read
/// by name through `SQLiteRow`. Text and blobs are bound with `SQLITE_TRANSIENT`, so SQLite
/// copies them.
package final class SQLiteStatement {
    /// The SQL text, kept for error reports.
    package let sql: String
    let handle: OpaquePointer
    private let connection: OpaquePointer
    /// Column name → index, built on first use: once per prepared (and cached) statement.
    private var columnIndexes: [String: Int32]?
    /// Record layouts resolved against this statement, by layout type.
    private var layouts: [ObjectIdentifier: any SQLiteRowLayout] = [:]

    init(connection: OpaquePointer, sql: String, persistent: Bool) throws(StoreError) {
        var statement: OpaquePointer?
        let flags: UInt32 = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(connection, sql, -1, flags, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw SQLiteConnection.error(connection, code: code, sql: sql, operation: "prepare")
        }
        self.sql = sql
        self.handle = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    /// Binds a 64-bit integer to the parameter at `index` (0-based).
    package func bind(_ value: Int64, at index: Int) throws(StoreError) {
        try check(sqlite3_bind_int64(handle, Int32(index + 1), value), operation: "bind")
    }

    /// Binds a double to the parameter at `index` (0-based).
    package func bind(_ value: Double, at index: Int) throws(StoreError) {
        try check(sqlite3_bind_double(handle, Int32(index + 1), value), operation: "bind")
    }

    /// Binds UTF-8 text to the parameter at `index` (0-based); SQLite copies it.
    package func bind(_ value: String, at index: Int) throws(StoreError) {
        // The 64-bit form: a length beyond Int32 is SQLite's SQLITE_TOOBIG error, not a Swift trap.
        let length = sqlite3_uint64(value.utf8.count)
        let code = value.withCString {
            sqlite3_bind_text64(handle, Int32(index + 1), $0, length, kx_sqlite_transient(), UInt8(SQLITE_UTF8))
        }
        try check(code, operation: "bind")
    }

    /// Binds a blob to the parameter at `index` (0-based); SQLite copies it.
    package func bind(_ value: [UInt8], at index: Int) throws(StoreError) {
        let code: Int32
        if value.isEmpty {
            // A nil pointer would bind NULL: an empty body is still a body.
            code = sqlite3_bind_zeroblob(handle, Int32(index + 1), 0)
        } else {
            code = value.withUnsafeBytes {
                sqlite3_bind_blob64(handle, Int32(index + 1), $0.baseAddress, sqlite3_uint64($0.count), kx_sqlite_transient())
            }
        }
        try check(code, operation: "bind")
    }

    /// Binds NULL to the parameter at `index` (0-based).
    package func bindNull(at index: Int) throws(StoreError) {
        try check(sqlite3_bind_null(handle, Int32(index + 1)), operation: "bind")
    }

    /// Binds `value` to the parameter at `index` (0-based) according to its storage class.
    package func bind(_ value: SQLiteValue, at index: Int) throws(StoreError) {
        switch value {
        case .integer(let integer): try bind(integer, at: index)
        case .double(let double): try bind(double, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let blob): try bind(blob, at: index)
        case .null: try bindNull(at: index)
        }
    }

    /// Binds `values` to the first `values.count` parameters, in order.
    package func bind(_ values: [SQLiteValue]) throws(StoreError) {
        for (index, value) in values.enumerated() {
            try bind(value, at: index)
        }
    }

    // MARK: Stepping

    /// Advances the statement: true when a row is available, false when it is done.
    package func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteConnection.error(connection, code: code, sql: sql, operation: "step")
        }
    }

    /// Resets the statement and clears its bindings so it can run again.
    ///
    /// Must happen before COMMIT: a statement left mid-step keeps its read transaction open.
    package func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns

    /// The current row, read by column name.
    package var row: SQLiteRow { SQLiteRow(statement: self) }

    /// The index of the column named `name`, or nil when the statement returns no such column.
    func columnIndex(_ name: String) -> Int32? {
        if let columnIndexes { return columnIndexes[name] }
        var indexes: [String: Int32] = [:]
        for index in 0..<sqlite3_column_count(handle) {
            guard let cName = sqlite3_column_name(handle, index) else { continue }
            // The first column of a name wins, as in SQLite's own lookups.
            let name = String(cString: cName)
            if indexes[name] == nil { indexes[name] = index }
        }
        columnIndexes = indexes
        return indexes[name]
    }

    /// The column named `name`, for a `SQLiteRowLayout`; throws naming the column and the SQL.
    package func column(_ name: String) throws(StoreError) -> SQLiteColumn {
        guard let index = columnIndex(name) else {
            throw StoreError(
                kind: .sqlite, message: "the statement returns no column \"\(name)\"", sql: sql, operation: "column")
        }
        return SQLiteColumn(name: name, index: index)
    }

    /// `Layout` resolved against this statement: built on first use, then cached with it.
    func layout<Layout: SQLiteRowLayout>(_: Layout.Type) throws(StoreError) -> Layout {
        let key = ObjectIdentifier(Layout.self)
        if let cached = layouts[key] as? Layout { return cached }
        let layout = try Layout(self)
        layouts[key] = layout
        return layout
    }

    private func check(_ code: Int32, operation: String) throws(StoreError) {
        guard code == SQLITE_OK else {
            throw SQLiteConnection.error(connection, code: code, sql: sql, operation: operation)
        }
    }
}

/// A value bound to a statement parameter: one of SQLite's storage classes.
package enum SQLiteValue: Sendable, Hashable {
    /// A 64-bit signed integer.
    case integer(Int64)
    /// An IEEE double.
    case double(Double)
    /// UTF-8 text.
    case text(String)
    /// Bytes, stored as given (an empty array is an empty blob, not NULL).
    case blob([UInt8])
    /// SQL NULL.
    case null

    /// An integer, or NULL when absent.
    package static func integer(_ value: Int?) -> SQLiteValue {
        value.map { .integer(Int64($0)) } ?? .null
    }

    /// A real, or NULL when absent.
    package static func double(_ value: Double?) -> SQLiteValue {
        value.map { .double($0) } ?? .null
    }

    /// A text, or NULL when absent.
    package static func text(_ value: String?) -> SQLiteValue {
        value.map { .text($0) } ?? .null
    }
}
