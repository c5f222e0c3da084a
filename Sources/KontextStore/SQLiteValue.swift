/// A value bound to a statement parameter: one of SQLite's storage classes.
public enum SQLiteValue: Sendable, Hashable {
    case integer(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
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
