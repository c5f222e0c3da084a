import CSQLite
import Dispatch
import Foundation
import KontextTesting
import Testing

@testable import KontextStore

@Suite("DatabaseWriter and SQLite wrapper")
struct DatabaseWriterTests {
    static let notesMigrator = SchemaMigrator(migrations: [
        SchemaMigration(version: 1, name: "notes", sql: "CREATE TABLE notes (name TEXT PRIMARY KEY, body BLOB)")
    ])

    /// Occupies the writer thread until `gate` is signalled, so later jobs queue up into one group.
    private static func blockWriter(_ writer: DatabaseWriter, gate: DispatchSemaphore) async throws -> Task<Void, any Error> {
        let started = Flag()
        let blocker = Task { try await writer.write { _ in started.set(); gate.wait() } }
        while !started.isSet { try await Task.sleep(for: .milliseconds(1)) }
        return blocker
    }

    private static func waitForPending(_ count: Int, in writer: DatabaseWriter) async throws {
        while writer.pendingJobCount < count { try await Task.sleep(for: .milliseconds(1)) }
    }

    @Test func theWritersBusyTimeCountsTheTimeAGroupHeldIt() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            let before = store.writerBusyTime
            let gate = DispatchSemaphore(value: 0)
            let blocker = try await Self.blockWriter(store.writer, gate: gate)
            // The writer is inside the blocker's group from here until the gate opens.
            let held = ContinuousClock.now
            let second = Task { try await store.ping() }
            try await Self.waitForPending(1, in: store.writer)
            let heldFor = ContinuousClock.now - held
            gate.signal()
            try await blocker.value
            try await second.value
            #expect(store.writerBusyTime - before >= heldFor)
        }
    }

    @Test func twoHundredConcurrentDeliveriesCommitAsOneGroup() async throws {
        try await withTemporaryDirectory { dir in
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("burst", numberResults: 200))
            try await store.markSubmitted(["burst"], at: 1)

            let gate = DispatchSemaphore(value: 0)
            let blocker = try await Self.blockWriter(store.writer, gate: gate)
            let groupsBefore = store.writer.statistics.committedGroups
            let outcomes = try await withThrowingTaskGroup(of: DeliveryOutcome.self) { group in
                for index in 0..<200 {
                    group.addTask { try await deliver(["burst-\(index)"], task: "burst", to: store) }
                }
                try await Self.waitForPending(200, in: store.writer)
                gate.signal()
                var outcomes: [DeliveryOutcome] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            try await blocker.value

            #expect(outcomes.count == 200)
            #expect(outcomes.allSatisfy { $0.newResults.count == 1 })
            // The blocker's group, then all 200 deliveries in a single transaction.
            #expect(store.writer.statistics.committedGroups == groupsBefore + 2)
            #expect(try await store.resultCounts()[.pending] == 200)
            #expect(try await rowCount("deliveries", in: store) == 200)
            let detail = try #require(try await store.task("burst"))
            #expect(Set(detail.results.map(\.imageUUID)) == Set((0..<200).map { "burst-\($0)" }))
            await store.close()
        }
    }

    @Test func aThrowingJobRollsBackOnlyItself() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try DatabaseWriter(path: dir + "/w.sqlite", busyTimeout: .seconds(5), migrator: Self.notesMigrator)
            let gate = DispatchSemaphore(value: 0)
            let blocker = try await Self.blockWriter(writer, gate: gate)
            let groupsBefore = writer.statistics.committedGroups

            let first = Task { try await writer.write { db in try db.run("INSERT INTO notes VALUES ('first', NULL)") } }
            let failing = Task {
                try await writer.write { db in
                    try db.run("INSERT INTO notes VALUES ('failing', NULL)")
                    throw StoreError.invalidInput("this job changes its mind", operation: "test")
                }
            }
            let last = Task { try await writer.write { db in try db.run("INSERT INTO notes VALUES ('last', NULL)") } }
            try await Self.waitForPending(3, in: writer)
            gate.signal()
            try await blocker.value

            #expect(try await first.value == 1)
            #expect(try await last.value == 1)
            let error = await #expect(throws: StoreError.self) { try await failing.value }
            #expect(error?.message == "this job changes its mind")
            // The blocker's group, then the three jobs together in one transaction.
            #expect(writer.statistics.committedGroups == groupsBefore + 2)
            #expect(writer.statistics.committedJobs == 3)

            let names = try await writer.write { db in try db.query("SELECT name FROM notes ORDER BY name") { row -> String in row["name"] } }
            #expect(names == ["first", "last"])
            await writer.close()
        }
    }

    @Test func diskFullInsideAGroupNeverReportsLostWorkAsKept() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try DatabaseWriter(path: dir + "/w.sqlite", busyTimeout: .seconds(5), migrator: Self.notesMigrator)
            _ = try await writer.write { db in
                let pages = try db.queryFirst("PRAGMA page_count") { row -> Int in row["page_count"] } ?? 0
                try db.execute("PRAGMA max_page_count = \(pages + 2)")
            }
            let gate = DispatchSemaphore(value: 0)
            let blocker = try await Self.blockWriter(writer, gate: gate)
            let names = ["small-1", "huge", "small-2"]
            let jobs = names.map { name in
                Task {
                    try await writer.write { db in
                        let body = [UInt8](repeating: 1, count: name == "huge" ? 200_000 : 10)
                        return try db.run("INSERT INTO notes VALUES (?, ?)", [.text(name), .blob(body)])
                    }
                }
            }
            try await Self.waitForPending(3, in: writer)
            gate.signal()
            try await blocker.value

            var succeeded: Set<String> = []
            for (name, job) in zip(names, jobs) {
                do {
                    _ = try await job.value
                    succeeded.insert(name)
                } catch let error as StoreError {
                    #expect(error.isDiskFull, "\(name): \(error)")
                }
            }
            #expect(!succeeded.contains("huge"))
            // Whatever SQLite rolled back, a caller told "done" finds its row, and no other row exists.
            let present = try await writer.write { db in try db.query("SELECT name FROM notes") { row -> String in row["name"] } }
            #expect(Set(present) == succeeded)
            await writer.close()
        }
    }

    @Test func storeErrorCarriesSQLMessageAndCodes() async throws {
        try await withTemporaryDirectory { dir in
            let writer = try DatabaseWriter(path: dir + "/w.sqlite", busyTimeout: .seconds(5), migrator: Self.notesMigrator)
            let missing = await #expect(throws: StoreError.self) {
                try await writer.write { db in try db.run("INSERT INTO no_such_table VALUES (1)") }
            }
            #expect(missing?.kind == .sqlite)
            #expect(missing?.resultCode == SQLITE_ERROR)
            #expect(missing?.sql == "INSERT INTO no_such_table VALUES (1)")
            #expect(missing?.message.contains("no such table") == true)
            #expect(missing?.operation == "prepare")
            #expect(missing?.description.contains("no_such_table") == true)

            _ = try await writer.write { db in try db.run("INSERT INTO notes VALUES ('a', NULL)") }
            let duplicate = await #expect(throws: StoreError.self) {
                try await writer.write { db in try db.run("INSERT INTO notes VALUES (?, NULL)", [.text("a")]) }
            }
            #expect(duplicate?.resultCode == SQLITE_CONSTRAINT)
            #expect(duplicate?.extendedResultCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY (a macro Swift does not import)
            #expect(duplicate?.operation == "step")
            #expect(duplicate?.isStorageUnavailable == false)
            await writer.close()
        }
    }

    @Test func diskFullAndReadOnlyAreTellApart() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/w.sqlite"
            let writer = try DatabaseWriter(path: path, busyTimeout: .seconds(5), migrator: Self.notesMigrator)
            // A page limit makes SQLite answer exactly as it does on a full disk.
            let full = await #expect(throws: StoreError.self) {
                try await writer.write { db in
                    try db.execute("PRAGMA max_page_count = 8")
                    try db.run("INSERT INTO notes VALUES ('big', ?)", [.blob([UInt8](repeating: 7, count: 100_000))])
                }
            }
            #expect(full?.isDiskFull == true)
            #expect(full?.isReadOnly == false)
            #expect(full?.isStorageUnavailable == true)
            await writer.close()

            let reader = try SQLiteConnection(path: path, role: .reader, busyTimeout: .seconds(1))
            let readOnly = #expect(throws: StoreError.self) { try reader.run("INSERT INTO notes VALUES ('x', NULL)") }
            #expect(readOnly?.isReadOnly == true)
            #expect(readOnly?.isDiskFull == false)
            #expect(readOnly?.isStorageUnavailable == true)
        }
    }

    @Test func typedBindingsRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let connection = try SQLiteConnection(path: dir + "/b.sqlite", role: .writer, busyTimeout: .seconds(1))
            try connection.execute("CREATE TABLE v (i INTEGER, d REAL, t TEXT, b BLOB, n TEXT)")
            let text = "naïve \u{0}nul and emoji 🎨"
            try connection.run(
                "INSERT INTO v VALUES (?, ?, ?, ?, ?)",
                [.integer(Int64.max), .double(0.1), .text(text), .blob([]), .null])
            let row = try #require(
                try connection.queryFirst("SELECT i, d, t, b, n, typeof(b) AS b_type FROM v") {
                    row -> (Int64, Double, String, [UInt8], String?, String) in
                    (row["i"], row["d"], row["t"], row["b"], row["n"], row["b_type"])
                })
            #expect(row.0 == Int64.max)
            #expect(row.1 == 0.1)
            #expect(row.2 == text)
            #expect(row.3 == [])
            #expect(row.4 == nil)
            // An empty body is stored as an empty blob, not as NULL.
            #expect(row.5 == "blob")
            #expect(try connection.queryFirst("PRAGMA journal_mode") { row -> String in row["journal_mode"] } == "wal")
            #expect(try connection.queryFirst("PRAGMA synchronous") { row -> Int in row["synchronous"] } == 2)
            #expect(try connection.queryFirst("PRAGMA foreign_keys") { row -> Int in row["foreign_keys"] } == 1)
        }
    }

    @Test func migrationsAreIdempotentAndRefuseNewerFiles() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/m.sqlite"
            let store = try openStore(in: dir)
            _ = try await store.enqueue(newTask("m"))
            await store.close()

            let connection = try SQLiteConnection(path: dir + "/kontextd.sqlite", role: .writer, busyTimeout: .seconds(1))
            #expect(try SchemaMigrator.currentVersion(of: connection) == TaskStoreSchema.migrator.latestVersion)
            #expect(try TaskStoreSchema.migrator.migrate(connection) == 0)

            let reopened = try openStore(in: dir)
            #expect(try await reopened.task("m") != nil)
            await reopened.close()

            let first = try SQLiteConnection(path: path, role: .writer, busyTimeout: .seconds(1))
            #expect(try Self.notesMigrator.migrate(first) == 1)
            let extended = SchemaMigrator(migrations: Self.notesMigrator.migrations + [
                SchemaMigration(version: 2, name: "tags", sql: "CREATE TABLE tags (tag TEXT)")
            ])
            #expect(try extended.migrate(first) == 1)
            #expect(try extended.migrate(first) == 0)
            let refused = #expect(throws: StoreError.self) { try Self.notesMigrator.migrate(first) }
            #expect(refused?.kind == .invalidInput)
            #expect(refused?.message.contains("newer") == true)

            let broken = SchemaMigrator(migrations: extended.migrations + [
                SchemaMigration(version: 3, name: "broken", sql: "CREATE TABLE ok3 (x); CREATE TABLE tags (tag TEXT)")
            ])
            let failed = #expect(throws: StoreError.self) { try broken.migrate(first) }
            #expect(failed?.message.contains("migration 3") == true)
            // The failed migration left nothing behind: same version, no half-created table.
            #expect(try SchemaMigrator.currentVersion(of: first) == 2)
            #expect(try first.queryFirst("SELECT COUNT(*) AS count FROM sqlite_master WHERE name = 'ok3'") { row -> Int in row["count"] } == 0)
        }
    }

    @Test func readersSeeCommittedWrites() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/r.sqlite"
            let writer = try DatabaseWriter(path: path, busyTimeout: .seconds(5), migrator: Self.notesMigrator)
            let readers = try DatabaseReaderPool(path: path, count: 2, busyTimeout: .seconds(5))
            for index in 0..<5 {
                _ = try await writer.write { db in try db.run("INSERT INTO notes VALUES (?, NULL)", [.text("n\(index)")]) }
                let count = try await readers.read { db in try db.queryFirst("SELECT COUNT(*) AS count FROM notes") { row -> Int in row["count"] } }
                #expect(count == index + 1)
            }
            await readers.close()
            await writer.close()
            let closed = await #expect(throws: StoreError.self) { try await readers.read { _ in 1 } }
            #expect(closed?.kind == .closed)
        }
    }
}
