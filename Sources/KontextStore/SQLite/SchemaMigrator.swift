/// Brings a database to the latest schema version at open, in one transaction.
///
/// The version lives in `PRAGMA user_version`. Migrations already applied are skipped, so
/// opening an up-to-date file changes nothing; a file from a newer version is refused rather
/// than misread.
package struct SchemaMigrator: Sendable {
    /// The migrations in version order.
    package let migrations: [SchemaMigration]

    /// Creates a migrator; `migrations` must be numbered 1, 2, 3... in order.
    package init(migrations: [SchemaMigration]) {
        precondition(
            migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
            "migrations must be numbered 1, 2, 3... in order")
        self.migrations = migrations
    }

    /// The version a fully migrated database has.
    package var latestVersion: Int { migrations.last?.version ?? 0 }

    /// The schema version recorded in the file.
    package static func currentVersion(of connection: SQLiteConnection) throws(StoreError) -> Int {
        try connection.queryFirst("PRAGMA user_version") { $0["user_version"] } ?? 0
    }

    /// Applies the missing migrations in one `BEGIN IMMEDIATE` transaction; returns how many ran.
    @discardableResult
    package func migrate(_ connection: SQLiteConnection) throws(StoreError) -> Int {
        try connection.execute("BEGIN IMMEDIATE")
        do throws(StoreError) {
            // Read the version inside the write lock so two processes cannot both migrate.
            let current = try Self.currentVersion(of: connection)
            guard current <= latestVersion else {
                throw StoreError.invalidInput(
                    "database schema version \(current) is newer than this program knows (\(latestVersion)) in \(connection.path)",
                    operation: "migrate")
            }
            let pending = migrations.filter { $0.version > current }
            for migration in pending {
                do {
                    try connection.execute(migration.sql)
                } catch {
                    throw StoreError(
                        kind: error.kind, resultCode: error.resultCode, extendedResultCode: error.extendedResultCode,
                        message: "migration \(migration.version) (\(migration.name)): \(error.message)",
                        sql: error.sql, operation: "migrate")
                }
                try connection.execute("PRAGMA user_version = \(migration.version)")
            }
            try connection.execute("COMMIT")
            return pending.count
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            throw error
        }
    }
}

/// One step of a database schema's history: the SQL that takes it to `version`.
package struct SchemaMigration: Sendable, Hashable {
    /// The `PRAGMA user_version` after this migration; versions start at 1 and increase by 1.
    package let version: Int
    /// A short name for logs and errors.
    package let name: String
    /// The statements to run (several may be separated by semicolons).
    package let sql: String

    /// Creates a migration.
    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
