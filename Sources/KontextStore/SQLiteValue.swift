/// A value bound to a statement parameter: one of SQLite's storage classes.
public enum SQLiteValue: Sendable, Hashable {
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
    public static func integer(_ value: Int?) -> SQLiteValue {
        value.map { .integer(Int64($0)) } ?? .null
    }

    /// A real, or NULL when absent.
    public static func double(_ value: Double?) -> SQLiteValue {
        value.map { .double($0) } ?? .null
    }

    /// A text, or NULL when absent.
    public static func text(_ value: String?) -> SQLiteValue {
        value.map { .text($0) } ?? .null
    }
}
