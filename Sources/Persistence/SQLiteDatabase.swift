import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
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
    private let writeLock = AsyncMutex()
    private let nextReader = ReaderCursor()

    private init(path: String, writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.path = path
        self.writer = writer
        self.readers = readers
    }

    /// Opens (creating if needed) the database file at `path`.
    public static func open(path: String, readers: Int = 4, logger: Logger) async throws(DatabaseError)
        -> SQLiteDatabase
    {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let writer = try await openConnection(path: path, logger: logger)
            _ = try await writer.query("PRAGMA journal_mode=WAL", [])
            var readerConnections: [SQLiteConnection] = []
            for _ in 0..<max(1, readers) {
                readerConnections.append(try await openConnection(path: path, logger: logger))
            }
            return SQLiteDatabase(path: path, writer: writer, readers: readerConnections)
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(code: .unavailable, message: "cannot open SQLite database at \(path)", cause: error)
        }
    }

    private static func openConnection(path: String, logger: Logger) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        for pragma in ["PRAGMA busy_timeout=10000", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"] {
            _ = try await connection.query(pragma, [])
        }
        return connection
    }

    public func read<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        let index = nextReader.next(modulo: readers.count)
        return try await body(SQLiteSession(connection: readers[index]))
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        let session = SQLiteSession(connection: writer)
        defer { commits.signal() }
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
        // Closing must finish even when this task was cancelled: a connection left open traps when freed.
        await Task { await close() }.value
    }

    /// Closes every connection; the database cannot be used afterwards.
    public func close() async {
        for connection in readers + [writer] {
            try? await connection.close()
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
    var dialect: SQLDialect { .sqlite }

    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws(DatabaseError) -> [SQLRow] {
        do {
            let rows = try await connection.query(Self.numberedParameters(sql), binds.map(Self.encode))
            var shared: SQLColumns?
            return rows.map { row in
                let columns = row.columns
                // Every row of one statement has the same columns.
                let names = shared ?? SQLColumns(columns.map(\.name))
                shared = names
                return SQLRow(columns: names, values: columns.map { Self.decode($0.data) })
            }
        } catch let error as SQLiteError {
            switch error.reason {
            case .constraintUniqueFailed, .constraintPrimaryKeyFailed:
                throw DatabaseError(code: .uniqueViolation, message: error.message, cause: error)
            default:
                throw DatabaseError(code: .query, message: "SQLite statement failed: \(error.message)", cause: error)
            }
        } catch {
            throw DatabaseError(code: .unavailable, message: "SQLite statement failed", cause: error)
        }
    }

    func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws(DatabaseError) {
        guard !rows.isEmpty else { return }
        // SQLite allows 32,766 bound variables per statement; 500-row statements measured fastest.
        let perStatement = max(1, min(500, 32_000 / max(1, columns.count)))
        let rowPlaceholder = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let prefix = "INSERT INTO \(table) (\(columns.joined(separator: ","))) VALUES "
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + perStatement)
            let sql = prefix + Array(repeating: rowPlaceholder, count: end - start).joined(separator: ",")
            var binds: [SQLiteData] = []
            binds.reserveCapacity((end - start) * columns.count)
            for row in rows[start..<end] {
                for value in row { binds.append(Self.encode(value)) }
            }
            do {
                _ = try await connection.query(sql, binds)
            } catch {
                throw DatabaseError(code: .query, message: "SQLite bulk insert into \(table) failed", cause: error)
            }
            start = end
        }
    }

    /// Rewrites PostgreSQL's `$N` placeholders as SQLite's `?N`, leaving string literals alone.
    /// Byte-wise: every statement passes through here.
    static func numberedParameters(_ sql: String) -> String {
        guard sql.utf8.contains(UInt8(ascii: "$")) else { return sql }
        var output = Array(sql.utf8)
        var inLiteral = false
        for index in output.indices {
            let byte = output[index]
            if byte == UInt8(ascii: "'") { inLiteral.toggle() }
            if !inLiteral, index > 0, output[index - 1] == UInt8(ascii: "$"),
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            {
                output[index - 1] = UInt8(ascii: "?")
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func encode(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .null: .null
        case .integer(let value): .integer(Int(value))
        case .real(let value): .float(value)
        case .text(let value), .json(let value): .text(value)
        case .bool(let value): .integer(value ? 1 : 0)
        case .uuid(let value): .text(value.uuidString.lowercased())
        case .date(let value): .float(value.timeIntervalSince1970)
        case .blob(let value): .blob(ByteBuffer(bytes: value))
        }
    }

    static func decode(_ data: SQLiteData) -> SQLValue {
        switch data {
        case .null: .null
        case .integer(let value): .integer(Int64(value))
        case .float(let value): .real(value)
        case .text(let value): .text(value)
        case .blob(let buffer): .blob(Array(buffer.readableBytesView))
        }
    }
}
