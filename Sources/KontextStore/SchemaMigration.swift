/// One step of a database schema's history: the SQL that takes it to `version`.
public struct SchemaMigration: Sendable, Hashable {
    /// The `PRAGMA user_version` after this migration; versions start at 1 and increase by 1.
    public let version: Int
    /// A short name for logs and errors.
    public let name: String
    /// The statements to run (several may be separated by semicolons).
    public let sql: String

    /// Creates a migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
