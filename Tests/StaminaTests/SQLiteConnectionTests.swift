import Foundation
import Testing

@testable import Persistence

/// The SQLite driver itself: binding, reading, the statement cache and error mapping.
@Suite("SQLite connection")
struct SQLiteConnectionTests {
    /// Runs `body` with a fresh, empty SQLite database (no migrations), then removes it.
    func withDatabase(_ body: (SQLiteDatabase) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stamina-sqlite-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await SQLiteDatabase.open(
            path: directory.appendingPathComponent("test.sqlite").path, logger: TestDatabase.logger)
        do {
            try await body(database)
            await database.close()
        } catch {
            await database.close()
            throw error
        }
    }

    @Test("values round-trip exactly; empty text and blobs stay empty, not NULL")
    func valuesRoundTrip() async throws {
        try await withDatabase { database in
            let id = UUID()
            let at = Date(timeIntervalSince1970: 1_700_000_000.25)
            let rows = try await database.transaction { session in
                try await session.query("CREATE TABLE v (i INTEGER, r REAL, t TEXT, e TEXT, b BLOB, eb BLOB, n TEXT)")
                try await session.query(
                    "INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    [
                        .integer(.max), .real(-0.5), .text("nul\u{0}inside ü"), .text(""), .blob([0, 1, 255]),
                        .blob([]), .null,
                    ])
                try await session.query(
                    "INSERT INTO v (i, r, t, e) VALUES ($1, $2, $3, $4)",
                    [.bool(true), .date(at), .uuid(id), .json("{}")])
                return try await session.query("SELECT * FROM v ORDER BY rowid")
            }
            #expect(rows[0]["i"] == .integer(.max))
            #expect(rows[0]["r"] == .real(-0.5))
            #expect(rows[0]["t"] == .text("nul\u{0}inside ü"))
            #expect(rows[0]["e"] == .text(""))
            #expect(rows[0]["b"] == .blob([0, 1, 255]))
            #expect(rows[0]["eb"] == .blob([]))
            #expect(rows[0]["n"] == .null)
            #expect(rows[1]["i"] == .integer(1))
            #expect(rows[1].optionalDate("r") == at)
            #expect(rows[1]["t"] == .text(id.uuidString.lowercased()))
            #expect(rows[1]["e"] == .text("{}"))
        }
    }

    @Test("a cached statement leaves no value of its previous call bound")
    func cachedStatementRebinds() async throws {
        try await withDatabase { database in
            let first = try await database.read {
                try await $0.query("SELECT $1 AS a, $2 AS b", [.int(1), .text("x")])
            }
            let second = try await database.read { try await $0.query("SELECT $1 AS a, $2 AS b", [.int(2)]) }
            #expect(first.first?["b"] == .text("x"))
            #expect(second.first?["a"] == .integer(2))
            #expect(second.first?["b"] == .null)
        }
    }

    @Test("more distinct statements than the cache holds all run, and evicted ones run again")
    func cacheEviction() async throws {
        try await withDatabase { database in
            let count = SQLiteConnection.cacheCapacity * 3
            for _ in 0..<2 {
                let values = try await database.transaction { session in
                    var values: [Int] = []
                    for index in 0..<count {
                        let row = try await session.first("SELECT $1 + \(index) AS v", [.int(1)])
                        values.append(try row?.int("v") ?? -1)
                    }
                    return values
                }
                #expect(values == Array(1...count))
            }
        }
    }

    @Test("readers see every commit, also through statements they ran before it")
    func readersSeeCommits() async throws {
        try await withDatabase { database in
            try await database.transaction { session in
                try await session.query("CREATE TABLE counter (n INTEGER NOT NULL)")
                try await session.query("INSERT INTO counter VALUES (0)")
            }
            for value in 1...3 {
                _ = try await database.transaction { try await $0.query("UPDATE counter SET n = $1", [.int(value)]) }
                // More reads than readers, so that every reader's cached statement runs.
                for _ in 0..<10 {
                    let row = try await database.read { try await $0.first("SELECT n FROM counter") }
                    #expect(try row?.int("n") == value)
                }
            }
        }
    }

    @Test("the WAL is checkpointed beside commits, and by the writer itself past the limit, so it stays bounded")
    func backgroundCheckpoints() async throws {
        try await withDatabase { database in
            _ = try await database.transaction { try await $0.query("CREATE TABLE files (data BLOB NOT NULL)") }
            let blob = SQLValue.blob([UInt8](repeating: 7, count: 256 * 1024))
            // 40 MB in 160 commits, faster than checkpoints beside them catch up: 10,000 pages of
            // WAL without the limit.
            for _ in 0..<160 {
                _ = try await database.transaction { try await $0.query("INSERT INTO files VALUES ($1)", [blob]) }
            }
            for _ in 0..<200 where database.checkpointer.completed == 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(database.checkpointer.completed > 0)
            let wal = try FileManager.default.attributesOfItem(atPath: database.path + "-wal")[.size] as? Int ?? 0
            #expect(wal < 24 * 1024 * 1024, "the WAL grew to \(wal) bytes")
            let row = try await database.read {
                try await $0.first("SELECT count(*) AS n, sum(length(data)) AS size FROM files")
            }
            #expect(try row?.int("n") == 160)
            #expect(try row?.int("size") == 160 * 256 * 1024)
        }
    }

    @Test("a checkpoint is scheduled past the threshold and then only per further quarter of it")
    func checkpointSchedule() async throws {
        try await withDatabase { database in
            let checkpointer = SQLiteCheckpointer(
                connection: try SQLiteConnection.open(path: database.path, pragmas: []), threshold: 100)
            defer { checkpointer.close() }
            #expect(checkpointer.committed(walPages: 99) == .nothing)
            #expect(checkpointer.committed(walPages: 100) == .scheduled)
            checkpointer.waitUntilIdle()
            // Commits right after a checkpoint: before, each one scheduled another (two syncs each).
            for pages in 101..<125 {
                #expect(checkpointer.committed(walPages: pages) == .nothing)
            }
            #expect(checkpointer.committed(walPages: 125) == .scheduled)
            checkpointer.waitUntilIdle()
            #expect(checkpointer.completed == 2)
            #expect(checkpointer.committed(walPages: 400) == .now)
            // SQLite started the WAL over: the threshold counts from the start again.
            #expect(checkpointer.committed(walPages: 3) == .nothing)
            #expect(checkpointer.committed(walPages: 100) == .scheduled)
            checkpointer.waitUntilIdle()
        }
    }

    @Test("time-ordered UUIDs are version 7 with RFC 9562's variant, carry their millisecond and sort by it")
    func timeOrderedUUIDs() {
        let date = Date(timeIntervalSince1970: 1_764_000_000.123_456)
        let id = UUID.timeOrdered(at: date)
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_764_000_000_123)
        let later = (1...50).map { UUID.timeOrdered(at: date.addingTimeInterval(Double($0) / 1_000)) }
        #expect(later.map(\.uuidString) == later.map(\.uuidString).sorted())
        #expect(Set((0..<1_000).map { _ in UUID.timeOrdered(at: date) }).count == 1_000)
    }

    @Test("several statements in one string are refused before any runs; a trailing comment is fine")
    func oneStatementPerCall() async throws {
        try await withDatabase { database in
            _ = try await database.transaction { try await $0.query("CREATE TABLE t (n INTEGER)") }
            await #expect(throws: DatabaseError.self) {
                try await database.transaction { session in
                    try await session.query("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
                }
            }
            let rows = try await database.read { try await $0.query("SELECT n FROM t; -- all of them") }
            #expect(rows.isEmpty)
        }
    }

    @Test("unique and primary-key violations are told apart from other failures")
    func errorMapping() async throws {
        try await withDatabase { database in
            try await database.transaction { session in
                try await session.query(
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE, n INTEGER NOT NULL)")
                try await session.query("INSERT INTO t VALUES (1, 'a', 0)")
            }
            func code(_ sql: String) async -> DatabaseError.Code? {
                do {
                    _ = try await database.transaction { try await $0.query(sql) }
                    return nil
                } catch {
                    return (error as? DatabaseError)?.code
                }
            }
            #expect(await code("INSERT INTO t VALUES (1, 'b', 0)") == .uniqueViolation)
            #expect(await code("INSERT INTO t VALUES (2, 'a', 0)") == .uniqueViolation)
            #expect(await code("INSERT INTO t VALUES (3, 'c', NULL)") == .query)
            #expect(await code("SELECT nope FROM t") == .query)
            // Double quotes name identifiers only: a misspelt column is an error, not a string.
            #expect(await code(#"SELECT "nope" FROM t"#) == .query)
            await database.close()
            #expect(await code("SELECT 1") == .unavailable)
        }
    }
}
