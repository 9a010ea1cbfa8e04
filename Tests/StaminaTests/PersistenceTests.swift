import EventLog
import Foundation
import Synchronization
import Testing

@testable import App
@testable import Persistence

@Suite("Persistence and outbox")
struct PersistenceTests {
    struct Pinged: DomainEvent, Equatable {
        static let eventType = "Pinged"
        static let aggregateType = "test"
        var id: UUID
        var aggregateID: UUID { id }
    }

    @Test("migrations run twice apply nothing the second time", arguments: Backend.allCases)
    func migrationsAreIdempotent(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let again = try await Migrator(Migrations.all).migrate(database, logger: TestDatabase.logger)
            #expect(again.isEmpty)
            let recorded = try await database.read {
                try await $0.query("SELECT module, version FROM schema_migrations")
            }
            #expect(recorded.count == Migrations.all.count)
        }
    }

    @Test("two processes migrating one empty PostgreSQL database at once apply each migration once")
    func concurrentMigrationsOnPostgres() async throws {
        let name = "stamina_test_empty_\(UUID().uuidString.lowercased().prefix(8))"
        try await TestDatabase.admin("CREATE DATABASE \(name)")
        defer { Task { try? await TestDatabase.admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } }
        let url = try TestDatabase.url(database: name)
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let database = try PostgresDatabase(url: url, logger: TestDatabase.logger)
                    return try await withRunning(database) {
                        try await Migrator(Migrations.all).migrate(database, logger: TestDatabase.logger)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(applied.count == Migrations.all.count)
    }

    @Test("the PostGIS check passes on a server that has PostGIS and the extension is installed")
    func postgisIsInstalled() async throws {
        try await TestDatabase.with(.postgres) { database in
            try await Migrations.requirePostGIS(database)
            let version = try await database.read { try await $0.first("SELECT postgis_version() AS v") }
            #expect(version?.optionalString("v")?.isEmpty == false)
        }
    }

    @Test("commit announcements coalesce: a burst is announced twice, and none is left unannounced")
    func announcementsCoalesce() async throws {
        let sends = Mutex(0)
        // A spacing far longer than the burst takes, so that every announcement but the first comes within it.
        let announcer = CommitAnnouncer(spacing: .seconds(1)) { sends.withLock { $0 += 1 } }
        for _ in 0..<1_000 { announcer.announce() }
        // The first at once, the other 999 together once the spacing has passed.
        try await EventDispatcherTests.eventually { sends.withLock { $0 } == 2 }
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(sends.withLock { $0 } == 2)
        // After a quiet spell the next commit is announced again.
        announcer.announce()
        try await EventDispatcherTests.eventually { sends.withLock { $0 } == 3 }
        #expect(sends.withLock { $0 } == 3)
    }

    @Test("outbox positions are gap-free and a rolled-back transaction leaves no event", arguments: Backend.allCases)
    func outboxAppend(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let outbox = Outbox()
            let first = Pinged(id: UUID())
            try await database.transaction { try await outbox.append([first, Pinged(id: UUID())], in: $0) }
            await #expect(throws: TestSetupError.self) {
                try await database.transaction { session in
                    try await outbox.append([Pinged(id: UUID())], in: session)
                    throw TestSetupError("roll back")
                }
            }
            try await database.transaction { try await outbox.append([Pinged(id: UUID())], in: $0) }
            let events = try await database.read { try await outbox.read(after: 0, limit: 10, in: $0) }
            #expect(events.map(\.position) == [1, 2, 3])
            #expect(events.first?.eventType == "Pinged")
            #expect(events.first?.aggregateID == first.id)
            let decoded = try JSONDecoder().decode(Pinged.self, from: Data(events[0].payload.utf8))
            #expect(decoded == first)
        }
    }

    @Test("an SQLite outbox written before it lost its head row keeps its events, and appends go on after them")
    func outboxRebuildKeepsEvents() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stamina-outbox-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await SQLiteDatabase.open(
            path: directory.appendingPathComponent("stamina.sqlite").path, logger: TestDatabase.logger)
        let outbox = Outbox()
        let before = Migrations.all.filter { !($0.module == "eventlog" && $0.version >= 6) }
        try await Migrator(before).migrate(database, logger: TestDatabase.logger)
        let old = [Pinged(id: UUID()), Pinged(id: UUID()), Pinged(id: UUID())]
        _ = try await database.transaction { try await outbox.append(old, in: $0) }
        try await Migrator(Migrations.all).migrate(database, logger: TestDatabase.logger)
        _ = try await database.transaction { try await outbox.append([Pinged(id: UUID())], in: $0) }
        let events = try await database.read { try await outbox.read(after: 0, limit: 10, in: $0) }
        #expect(events.map(\.position) == [1, 2, 3, 4])
        #expect(events.prefix(3).map(\.aggregateID) == old.map(\.id))
        #expect(try await database.read { try await Outbox.head(in: $0) } == 4)
        await database.close()
    }

    @Test("a large append spans several statements and returns the positions it stored", arguments: Backend.allCases)
    func largeOutboxAppend(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let outbox = Outbox()
            try await database.transaction { try await outbox.append([Pinged(id: UUID())], in: $0) }
            let pings = (0..<2_345).map { _ in Pinged(id: UUID()) }
            let appended = try await database.transaction { try await outbox.append(pings, in: $0) }
            #expect(appended.map(\.position) == Array(2...2_346))
            let stored = try await database.read { try await outbox.read(after: 1, limit: 3_000, in: $0) }
            // Compared as one Bool each, so that a failure does not print thousands of envelopes.
            #expect(stored.map(\.position) == appended.map(\.position))
            #expect(stored.map(\.eventID) == appended.map(\.eventID))
            #expect(stored.map(\.aggregateID) == pings.map(\.id))
            #expect(try await database.read { try await Outbox.head(in: $0) } == 2_346)
        }
    }

    @Test("concurrent appends on PostgreSQL still get consecutive positions")
    func concurrentOutboxAppends() async throws {
        try await TestDatabase.with(.postgres) { database in
            let outbox = Outbox()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        _ = try await database.transaction { try await outbox.append([Pinged(id: UUID())], in: $0) }
                    }
                }
                try await group.waitForAll()
            }
            let events = try await database.read { try await outbox.read(after: 0, limit: 100, in: $0) }
            #expect(events.map(\.position) == Array(1...20))
        }
    }

    /// Counts the statements run through it, for telling whether an append had a round trip of its own.
    final class CountingSession: DatabaseSession {
        let session: any DatabaseSession
        let statements = Mutex(0)
        init(_ session: any DatabaseSession) { self.session = session }
        var dialect: SQLDialect { session.dialect }
        func announceCommit() { session.announceCommit() }

        func query(_ sql: String, _ binds: [SQLValue]) async throws(DatabaseError) -> [SQLRow] {
            statements.withLock { $0 += 1 }
            return try await session.query(sql, binds)
        }

        func query<Statement: PreparedStatement>(_ statement: Statement.Type, _ binds: [SQLValue])
            async throws(DatabaseError) -> [SQLRow]
        {
            statements.withLock { $0 += 1 }
            return try await session.query(statement, binds)
        }

        func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws(DatabaseError) {
            statements.withLock { $0 += 1 }
            try await session.bulkInsert(table: table, columns: columns, rows: rows)
        }
    }

    @Test(
        "an append along a write commits and rolls back with it; on PostgreSQL it rides in the write's statement",
        arguments: Backend.allCases)
    func appendAlongWrite(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let outbox = Outbox()
            try await database.transaction { session in
                try await session.query("CREATE TABLE counters (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
                try await session.query("INSERT INTO counters VALUES ('a', 0), ('b', 0)")
            }
            /// Runs `write` along an append of `events`; returns its result and the statements run.
            func run<T: Sendable>(
                _ events: [Pinged], _ write: @escaping @Sendable (any DatabaseSession) async throws -> T
            ) async throws -> (T, Int) {
                try await database.transaction { session in
                    let counting = CountingSession(session)
                    let result = try await outbox.append(events, in: counting, along: write)
                    return (result, counting.statements.withLock { $0 })
                }
            }
            let pings = (0..<6).map { _ in Pinged(id: UUID()) }
            let carried = database.dialect == .postgres ? 1 : 2
            // A plain UPDATE; its own rows (RETURNING) come back as they would without the append.
            let (updated, first) = try await run([pings[0]]) {
                try await $0.query("UPDATE counters SET n = n + 1 WHERE id = $1 RETURNING n", [.text("a")])
            }
            #expect(try updated.map { try $0.int("n") } == [1])
            #expect(first == carried)
            // A statement with a WITH of its own, two events.
            let (_, second) = try await run(Array(pings[1...2])) {
                try await $0.query(
                    "\n  WITH picked AS (SELECT id FROM counters WHERE id = $1) UPDATE counters SET n = n + 10 WHERE id IN (SELECT id FROM picked)",
                    [.text("b")])
            }
            #expect(second == carried)
            // A prepared SELECT cannot carry it: the append runs after it, as a statement of its own.
            let (_, third) = try await run([pings[3]]) { try await $0.query(Echo.self, [.int(1), .text("x")]) }
            #expect(third == 2)
            // A prepared UPDATE carries it, prepared with it; run twice, so the second run reuses it.
            for ping in pings[4...5] {
                let (rows, count) = try await run([ping]) { try await $0.query(CountUp.self, [.text("a")]) }
                #expect(rows.count == 1)
                #expect(count == carried)
            }
            // Rolled back with the write that carried it.
            await #expect(throws: TestSetupError.self) {
                _ = try await run([Pinged(id: UUID())]) { session in
                    try await session.query("UPDATE counters SET n = n + 100 WHERE id = 'a'")
                    throw TestSetupError("roll back")
                }
            }
            let events = try await database.read { try await outbox.read(after: 0, limit: 10, in: $0) }
            #expect(events.map(\.position) == [1, 2, 3, 4, 5, 6])
            #expect(events.map(\.aggregateID) == pings.map(\.id))
            #expect(events.map(\.eventType) == Array(repeating: "Pinged", count: 6))
            let decoded = try JSONDecoder().decode(Pinged.self, from: Data(events[2].payload.utf8))
            #expect(decoded == pings[2])
            let counts = try await database.read { try await $0.query("SELECT id, n FROM counters ORDER BY id") }
            #expect(try counts.map { try $0.int("n") } == [3, 10])
            #expect(try await database.read { try await Outbox.head(in: $0) } == 6)
        }
    }

    @Test("concurrent appends along writes on PostgreSQL still get consecutive positions")
    func concurrentAppendsAlongWrites() async throws {
        try await TestDatabase.with(.postgres) { database in
            let outbox = Outbox()
            try await database.transaction { try await $0.query("CREATE TABLE hits (n BIGINT NOT NULL)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        _ = try await database.transaction { session in
                            try await outbox.append([Pinged(id: UUID())], in: session) {
                                try await $0.query("INSERT INTO hits VALUES ($1)", [.int(index)])
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let events = try await database.read { try await outbox.read(after: 0, limit: 100, in: $0) }
            #expect(events.map(\.position) == Array(1...20))
            let hits = try await database.read { try await $0.first("SELECT count(*) AS n FROM hits") }
            #expect(try hits?.int("n") == 20)
        }
    }

    /// Counts up one of `appendAlongWrite`'s counters.
    enum CountUp: PreparedStatement {
        static let name = "stamina_test_count_up"
        static func sql(_ dialect: SQLDialect) -> String { "UPDATE counters SET n = n + 1 WHERE id = $1 RETURNING n" }
    }

    /// Echoes its binds: on PostgreSQL a named statement, prepared by the first run on a connection.
    enum Echo: PreparedStatement {
        static let name = "stamina_test_echo"
        static func sql(_ dialect: SQLDialect) -> String {
            dialect == .postgres ? "SELECT $1::bigint AS n, $2::text AS t" : "SELECT $1 AS n, $2 AS t"
        }
    }

    @Test(
        "a prepared statement runs again and again on one connection with other binds, nulls included",
        arguments: Backend.allCases)
    func preparedStatement(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let rows = try await database.transaction { session in
                var rows: [SQLRow] = []
                for (n, t) in [(1, "one"), (2, nil), (3, "it's three")] {
                    rows += try await session.query(Echo.self, [.int(n), .optional(t, SQLValue.text)])
                }
                return rows
            }
            #expect(try rows.map { try $0.int("n") } == [1, 2, 3])
            #expect(rows.map { $0.optionalString("t") } == ["one", nil, "it's three"])
        }
    }

    @Test("bulk insert writes every row exactly, nulls, odd text and timestamps included", arguments: Backend.allCases)
    func bulkInsert(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let timestamp = backend == .postgres ? "TIMESTAMPTZ" : "REAL"
            try await database.transaction { session in
                try await session.query(
                    "CREATE TABLE bulk (id BIGINT PRIMARY KEY, at \(timestamp), note TEXT, value DOUBLE PRECISION)")
            }
            let base = Date(timeIntervalSince1970: 1_700_000_000.123456)
            var rows: [[SQLValue]] = []
            for index in 0..<1_234 {
                let at = SQLValue.date(base.addingTimeInterval(Double(index) * 0.5))
                let note: SQLValue = index % 7 == 0 ? .null : .text("row\t\(index)\nback\\slash ü")
                let value: SQLValue = index % 5 == 0 ? .null : .real(Double(index) / 3)
                rows.append([.int(index), at, note, value])
            }
            let inserted = rows
            try await database.transaction {
                try await $0.bulkInsert(table: "bulk", columns: ["id", "at", "note", "value"], rows: inserted)
            }
            let stored = try await database.read { try await $0.query("SELECT * FROM bulk ORDER BY id") }
            #expect(stored.count == rows.count)
            for (row, expected) in zip(stored, rows) {
                #expect(row["note"] == expected[2])
                #expect(row.optionalDouble("value") == expected[3].doubleValue)
                let at = try #require(row.optionalDate("at"))
                #expect(abs(at.timeIntervalSince1970 - (expected[1].dateValue?.timeIntervalSince1970 ?? 0)) < 0.000_001)
            }
        }
    }

    @Test("SQLite gets numbered parameters, string literals untouched")
    func sqliteParameterRewriting() {
        #expect(SQLiteSession.numberedParameters("SELECT $1, '$2', $10") == "SELECT ?1, '$2', ?10")
        // In order from $1, they become plain placeholders (SQLite compiles those without a look-up each).
        #expect(SQLiteSession.numberedParameters("SELECT $1, '$9', $2, $3") == "SELECT ?, '$9', ?, ?")
        #expect(SQLiteSession.numberedParameters("SELECT $2, $1") == "SELECT ?2, ?1")
        #expect(SQLiteSession.numberedParameters("SELECT $1 WHERE x = $1") == "SELECT ?1 WHERE x = ?1")
    }
}

extension SQLValue {
    var doubleValue: Double? {
        if case .real(let value) = self { return value }
        return nil
    }

    var dateValue: Date? {
        if case .date(let value) = self { return value }
        return nil
    }
}

@Suite("UUID text")
struct UUIDTextTests {
    @Test("a UUID's text is Foundation's, in either case, for any bytes")
    func matchesFoundation() {
        var ids = (0..<200).map { _ in UUID() }
        ids.append(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        ids.append(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        for id in ids {
            #expect(id.lowercasedText == id.uuidString.lowercased())
            #expect(id.withText(uppercase: true) { String(decoding: $0, as: UTF8.self) } == id.uuidString)
        }
    }
}
