import CSQLite

/// The current row of a statement, read by column name: `row["state"]`, as GRDB does.
///
/// Valid only inside the closure it is handed to (`query`, `queryFirst`): the next step of the
/// statement replaces the row. A name is resolved against the statement's own column names
/// (`sqlite3_column_name`, looked up once per prepared statement); records read many rows of the
/// same statement through a `SQLiteRowLayout`, which resolves every name once per statement so
/// a row costs no name lookup at all.
package struct SQLiteRow {
    let statement: SQLiteStatement

    /// The value of the column named `name` (as the SELECT names it: the column or its alias).
    ///
    /// A name the statement does not return is a programming error in the SQL, caught by the
    /// store's tests: it traps naming the column and the SQL.
    package subscript<Value: SQLiteColumnValue>(_ name: String) -> Value {
        guard let index = statement.columnIndex(name) else {
            preconditionFailure("no column \"\(name)\" in \(statement.sql)")
        }
        return Value.read(statement, at: index)
    }

    /// The value of a column resolved beforehand (by a `SQLiteRowLayout`).
    package subscript<Value: SQLiteColumnValue>(_ column: SQLiteColumn) -> Value {
        Value.read(statement, at: column.index)
    }

    /// The layout `Layout` resolved against this row's statement (once per statement, then cached).
    package func layout<Layout: SQLiteRowLayout>(_: Layout.Type) throws(StoreError) -> Layout {
        try statement.layout(Layout.self)
    }
}

/// A column of a prepared statement, found by name once.
package struct SQLiteColumn: Sendable, Hashable {
    /// The column's name in the statement.
    package let name: String
    let index: Int32
}

/// The columns a record reads, each resolved by name once per prepared statement.
///
/// A record's layout is a struct of `SQLiteColumn`s built with `statement.column("name")`; the
/// statement caches it, so decoding a row reads by index while the code reads by name.
package protocol SQLiteRowLayout {
    /// Resolves every column the record reads; throws `.sqlite` naming a column the SQL lacks.
    init(_ statement: SQLiteStatement) throws(StoreError)
}

/// A Swift type a column converts to. `Optional` of one reads NULL as nil; the others read
/// NULL as SQLite's own conversion does (0, 0.0, "", empty bytes).
package protocol SQLiteColumnValue {
    /// Reads the column at `index` of `statement`'s current row.
    static func read(_ statement: SQLiteStatement, at index: Int32) -> Self
}

extension Int64: SQLiteColumnValue {
    package static func read(_ statement: SQLiteStatement, at index: Int32) -> Int64 {
        sqlite3_column_int64(statement.handle, index)
    }
}

extension Int: SQLiteColumnValue {
    package static func read(_ statement: SQLiteStatement, at index: Int32) -> Int {
        Int(sqlite3_column_int64(statement.handle, index))
    }
}

extension Bool: SQLiteColumnValue {
    package static func read(_ statement: SQLiteStatement, at index: Int32) -> Bool {
        sqlite3_column_int64(statement.handle, index) != 0
    }
}

extension Double: SQLiteColumnValue {
    package static func read(_ statement: SQLiteStatement, at index: Int32) -> Double {
        sqlite3_column_double(statement.handle, index)
    }
}

extension String: SQLiteColumnValue {
    package static func read(_ statement: SQLiteStatement, at index: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement.handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(statement.handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}

extension Array: SQLiteColumnValue where Element == UInt8 {
    package static func read(_ statement: SQLiteStatement, at index: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement.handle, index))
        guard count > 0, let pointer = sqlite3_column_blob(statement.handle, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

extension Optional: SQLiteColumnValue where Wrapped: SQLiteColumnValue {
    package static func read(_ statement: SQLiteStatement, at index: Int32) -> Wrapped? {
        sqlite3_column_type(statement.handle, index) == SQLITE_NULL ? nil : Wrapped.read(statement, at: index)
    }
}
