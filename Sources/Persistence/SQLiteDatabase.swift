import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The embedded database: one SQLite file in WAL mode.
///
/// Writes go through a single connection, one transaction at a time (SQLite allows one writer);
/// reads use a small set of reader connections that see every committed write.
public final class SQLiteDatabase: Database {
    public let dialect = SQLDialect.sqlite
    public let commits = CommitSignal()
    public let path: String
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    let checkpointer: SQLiteCheckpointer
    private let writeLock = AsyncMutex()
    private let nextReader = ReaderCursor()

    private init(
        path: String, writer: SQLiteConnection, readers: [SQLiteConnection], checkpointer: SQLiteCheckpointer
    ) {
        self.path = path
        self.writer = writer
        self.readers = readers
        self.checkpointer = checkpointer
    }

    /// Opens (creating if needed) the database file at `path`.
    public static func open(path: String, readers: Int = 4, logger: Logger) async throws(DatabaseError)
        -> SQLiteDatabase
    {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DatabaseError(code: .unavailable, message: "cannot open SQLite database at \(path)", cause: error)
        }
        // The writer keeps SQLite's default page cache (2 MiB). A 64 MiB one, sized for live points
        // written a row per point, cost more than it saved once they went through a log: SQLite walks
        // much of the cache's hash table as write transactions end (`pcache1TruncateUnsafe`, 19% of
        // the event benchmark's CPU), and the live benchmark measured the same without it.
        let writer = try SQLiteConnection.open(
            path: path,
            pragmas: pragmas + ["PRAGMA journal_mode=WAL", "PRAGMA wal_autocheckpoint=0"])
        let checkpointer = SQLiteCheckpointer(connection: try SQLiteConnection.open(path: path, pragmas: pragmas))
        writer.checkpoint(with: checkpointer)
        var readerConnections: [SQLiteConnection] = []
        for _ in 0..<max(1, readers) {
            readerConnections.append(try SQLiteConnection.open(path: path, pragmas: pragmas))
        }
        logger.debug(
            "opened SQLite database", metadata: ["path": "\(path)", "sqlite": "\(SQLiteConnection.libraryVersion)"])
        return SQLiteDatabase(path: path, writer: writer, readers: readerConnections, checkpointer: checkpointer)
    }

    /// Every connection's settings. Recursive triggers stay off as in SQLite's default (Debian's
    /// build turns them on). Temporary files (statement journals of multi-row inserts, sorts) stay
    /// in memory: as files they were created and deleted on every batch of live points.
    private static let pragmas = [
        "PRAGMA busy_timeout=10000", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
        "PRAGMA recursive_triggers=OFF", "PRAGMA temp_store=MEMORY",
    ]

    public func read<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        let index = nextReader.next(modulo: readers.count)
        return try await body(SQLiteSession(connection: readers[index]))
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        let appended = EventsAppended()
        let session = SQLiteSession(connection: writer, appended: appended)
        // Only commits that appended events wake the dispatcher: the others (live points, say) leave
        // it nothing to read.
        defer { if appended.flag.load(ordering: .relaxed) { commits.signal() } }
        return try await writeLock.withLock {
            try await session.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(session)
                try await session.query("COMMIT")
                return result
            } catch {
                _ = try? await session.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Waits for graceful shutdown (or cancellation), then closes every connection.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Closes every connection; the database cannot be used afterwards.
    public func close() async {
        checkpointer.close()
        for connection in readers + [writer] {
            connection.close()
        }
    }
}

/// Round-robin choice of a reader connection.
private final class ReaderCursor: Sendable {
    private let counter = Mutex(0)

    func next(modulo count: Int) -> Int {
        counter.withLock { value in
            value = (value &+ 1) % count
            return value
        }
    }
}

struct SQLiteSession: DatabaseSession {
    let connection: SQLiteConnection
    /// Set by appends; a reader's session has none (its connection is read-only).
    var appended: EventsAppended?
    var dialect: SQLDialect { .sqlite }

    func announceCommit() { appended?.flag.store(true, ordering: .relaxed) }

    /// Statements are cached by their text as written (before `numberedParameters`), unless long.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws(DatabaseError) -> [SQLRow] {
        try connection.query(
            key: sql.utf8.count <= SQLiteConnection.cacheableLength ? sql : nil, sql: { Self.numberedParameters(sql) },
            binds: binds)
    }

    /// Cached under the statement's name, so that its SQL is built only when it is compiled.
    @discardableResult
    func query<Statement: PreparedStatement>(_ statement: Statement.Type, _ binds: [SQLValue])
        async throws(DatabaseError) -> [SQLRow]
    {
        try connection.query(
            key: "prepared statement " + Statement.name, sql: { Self.numberedParameters(Statement.sql(.sqlite)) },
            binds: binds)
    }

    func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws(DatabaseError) {
        guard !rows.isEmpty else { return }
        // SQLite allows 32,766 bound variables per statement; 500-row statements measured fastest.
        let perStatement = max(1, min(500, 32_000 / max(1, columns.count)))
        let rowPlaceholder = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let prefix = "INSERT INTO \(table) (\(columns.joined(separator: ","))) VALUES "
        // Every full chunk is the same statement: cached under a short key rather than its long text.
        let fullChunk = "bulk insert of \(perStatement) rows: " + prefix
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + perStatement)
            let count = end - start
            do {
                try connection.query(
                    key: count == perStatement ? fullChunk : nil,
                    sql: { prefix + Array(repeating: rowPlaceholder, count: count).joined(separator: ",") },
                    binds: rows[start..<end].joined())
            } catch {
                throw DatabaseError(code: .query, message: "SQLite bulk insert into \(table) failed", cause: error)
            }
            start = end
        }
    }

    /// Rewrites PostgreSQL's `$N` placeholders as SQLite's, leaving string literals alone: plain `?`
    /// when they run `$1`, `$2`, … in order, else `?N`. SQLite looks each `?N` up in a list while it
    /// compiles the statement, which makes a many-row `INSERT` quadratic in its placeholders: one of
    /// 500 rows and 13 columns took 50 ms with `?N` and 1.5 ms with `?` (SQLite 3.40). A plain `?`
    /// takes the next number without a look-up.
    /// Byte-wise: every statement missing from a connection's cache passes through here.
    static func numberedParameters(_ sql: String) -> String {
        guard sql.utf8.contains(UInt8(ascii: "$")) else { return sql }
        let input = Array(sql.utf8)
        var numbered: [UInt8] = []
        var plain: [UInt8] = []
        numbered.reserveCapacity(input.count)
        plain.reserveCapacity(input.count)
        var inOrder = true
        var count = 0
        var inLiteral = false
        var index = 0
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "'") { inLiteral.toggle() }
            guard !inLiteral, byte == UInt8(ascii: "$"), index + 1 < input.count, isDigit(input[index + 1]) else {
                numbered.append(byte)
                plain.append(byte)
                index += 1
                continue
            }
            var end = index + 1
            var number = 0
            while end < input.count, isDigit(input[end]) {
                number = number &* 10 &+ Int(input[end] - UInt8(ascii: "0"))
                end += 1
            }
            count += 1
            if number != count { inOrder = false }
            numbered.append(UInt8(ascii: "?"))
            numbered += input[(index + 1)..<end]
            plain.append(UInt8(ascii: "?"))
            index = end
        }
        return String(decoding: inOrder ? plain : numbered, as: UTF8.self)
    }
}
