import CSQLite3
import Foundation
import Synchronization

/// One connection to an SQLite file (the system's libsqlite3), usable from any thread: each
/// statement runs synchronously on the calling thread while the connection's mutex is held, and
/// stays compiled for the next call with the same SQL.
///
/// Running on the caller's thread is deliberate. Against a local file in WAL mode with
/// `synchronous=NORMAL`, where a commit appends to the WAL without an fsync (only the occasional
/// checkpoint syncs), a statement is a short library call, comparable to the CPU work around it;
/// handing it to a thread pool and back costs two thread wake-ups per statement, more than most
/// statements themselves. The mutex is never held across an `await`. The price: a long scan, or
/// waiting out `busy_timeout` for another process's write lock, occupies the caller's thread (one
/// of the cooperative pool's) meanwhile.
final class SQLiteConnection: Sendable {
    /// Compiled statements kept per connection; the least recently used one is dropped first.
    static let cacheCapacity = 64
    /// Longer SQL is generated per call (multi-row `VALUES` lists): caching it would only evict the
    /// statements that repeat, and a compiled statement's memory grows with its length.
    static let cacheableLength = 4_096

    private let state: Mutex<State>

    private init(handle: sending OpaquePointer) {
        state = Mutex(State(handle: handle))
    }

    deinit {
        close()
    }

    /// The version of the libsqlite3 in use.
    static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    /// Opens (creating if needed) the database file at `path` and runs `pragmas` on it.
    static func open(path: String, pragmas: [String]) throws(DatabaseError) -> SQLiteConnection {
        _ = initialized
        var handle: OpaquePointer?
        // NOMUTEX: the connection's own mutex serialises its use, SQLite's would be a second lock.
        let code = sqlite3_open_v2(
            path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let handle else {
            // A handle is usually returned even on failure: it carries the message and must be closed.
            let reason = String(cString: handle != nil ? sqlite3_errmsg(handle) : sqlite3_errstr(code))
            sqlite3_close_v2(handle)
            throw DatabaseError(code: .unavailable, message: "cannot open SQLite database at \(path): \(reason)")
        }
        // Extended codes tell a UNIQUE or PRIMARY KEY violation from other constraint failures.
        sqlite3_extended_result_codes(handle, 1)
        stamina_sqlite3_disable_double_quoted_strings(handle)
        let connection = SQLiteConnection(handle: handle)
        for pragma in pragmas {
            do {
                try connection.query(key: nil, sql: { pragma }, binds: [])
            } catch {
                connection.close()
                throw DatabaseError(code: .unavailable, message: "cannot open SQLite database at \(path)", cause: error)
            }
        }
        return connection
    }

    /// Runs one statement and returns the rows it produced.
    ///
    /// - Parameters:
    ///   - key: names the statement in the cache; `nil` compiles it for this call only.
    ///   - sql: the statement's text (one statement, `?N` placeholders), asked for only when it is
    ///     not in the cache.
    ///   - binds: one value per placeholder, in order: UUIDs as lowercased text, dates as seconds
    ///     since 1970 (REAL), booleans as 0 or 1, JSON as text.
    @discardableResult
    func query(key: String?, sql: @Sendable () -> String, binds: some Sequence<SQLValue> & Sendable)
        throws(DatabaseError) -> [SQLRow]
    {
        try state.withLock { state throws(DatabaseError) -> [SQLRow] in
            guard let handle = state.handle else {
                throw DatabaseError(code: .unavailable, message: "the SQLite connection is closed")
            }
            let statement = try state.statement(key: key, sql: sql, handle: handle)
            defer {
                if key == nil {
                    sqlite3_finalize(statement)
                } else {
                    // Reset at once: a statement left stepping would hold its read snapshot open.
                    sqlite3_reset(statement)
                    sqlite3_clear_bindings(statement)
                }
            }
            try Self.bind(binds, to: statement, handle: handle)
            return try Self.rows(of: statement, handle: handle)
        }
    }

    /// Hands checkpoints to `checkpointer`: after each commit of this connection SQLite reports the
    /// WAL's size to it (`sqlite3_wal_hook`), in place of the automatic checkpoint that would
    /// otherwise run inside the commit crossing `wal_autocheckpoint`. The connection keeps
    /// `checkpointer` alive while open.
    func checkpoint(with checkpointer: SQLiteCheckpointer) {
        state.withLock { state in
            guard let handle = state.handle else { return }
            state.checkpointer = checkpointer
            sqlite3_wal_hook(
                handle,
                { context, handle, _, pages in
                    let checkpointer = Unmanaged<SQLiteCheckpointer>.fromOpaque(context!).takeUnretainedValue()
                    if checkpointer.committed(walPages: Int(pages)) == .now {
                        // After the one beside it, if any (a second checkpoint would find the lock
                        // taken and do nothing), and inside the commit, as SQLite's own does.
                        checkpointer.waitUntilIdle()
                        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                    }
                    return SQLITE_OK
                }, Unmanaged.passUnretained(checkpointer).toOpaque())
        }
    }

    /// Finalises the cached statements and closes the connection; later statements fail.
    func close() {
        state.withLock { $0.close() }
    }

    private static func bind(
        _ binds: some Sequence<SQLValue> & Sendable, to statement: OpaquePointer, handle: OpaquePointer
    ) throws(DatabaseError) {
        var index: Int32 = 0
        for value in binds {
            index += 1
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let value): code = sqlite3_bind_int64(statement, index, value)
            case .real(let value): code = sqlite3_bind_double(statement, index, value)
            case .text(let value), .json(let value): code = bindText(value, to: statement, at: index)
            case .bool(let value): code = sqlite3_bind_int64(statement, index, value ? 1 : 0)
            case .uuid(let value): code = value.withText { bindText($0, to: statement, at: index) }
            case .date(let value): code = sqlite3_bind_double(statement, index, value.timeIntervalSince1970)
            case .blob(let value):
                // A null pointer would bind NULL, not an empty blob.
                code =
                    value.isEmpty
                    ? sqlite3_bind_zeroblob(statement, index, 0)
                    : value.withUnsafeBytes {
                        sqlite3_bind_blob64(
                            statement, index, $0.baseAddress, UInt64($0.count), stamina_sqlite3_transient())
                    }
            }
            guard code == SQLITE_OK else { throw failure(code, handle: handle) }
        }
    }

    private static func bindText(_ text: String, to statement: OpaquePointer, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { bindText($0, to: statement, at: index) }
    }

    private static func bindText(_ bytes: UnsafeBufferPointer<UInt8>, to statement: OpaquePointer, at index: Int32)
        -> Int32
    {
        // A null pointer would bind NULL, not an empty string.
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            return sqlite3_bind_text(statement, index, "", 0, stamina_sqlite3_transient())
        }
        return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            sqlite3_bind_text64(
                statement, index, $0, UInt64(bytes.count), stamina_sqlite3_transient(), UInt8(SQLITE_UTF8))
        }
    }

    private static func rows(of statement: OpaquePointer, handle: OpaquePointer) throws(DatabaseError) -> [SQLRow] {
        var rows: [SQLRow] = []
        var columns: SQLColumns?
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw failure(code, handle: handle) }
            let count = sqlite3_column_count(statement)
            // Every row of one statement has the same columns.
            let names =
                columns
                ?? SQLColumns((0..<count).map { sqlite3_column_name(statement, $0).map(String.init(cString:)) ?? "" })
            columns = names
            var values: [SQLValue] = []
            values.reserveCapacity(Int(count))
            for column in 0..<count {
                values.append(value(of: statement, at: column))
            }
            rows.append(SQLRow(columns: names, values: values))
        }
    }

    private static func value(of statement: OpaquePointer, at column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            // The text first, then its length (the order SQLite documents).
            guard let text = sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            guard let blob = sqlite3_column_blob(statement, column) else { return .blob([]) }
            let count = Int(sqlite3_column_bytes(statement, column))
            return .blob(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default:
            return .null
        }
    }

    /// The error for a failed call: a UNIQUE or PRIMARY KEY violation, or any other failure with
    /// SQLite's message.
    fileprivate static func failure(_ code: Int32, handle: OpaquePointer) -> DatabaseError {
        let message = String(cString: sqlite3_errmsg(handle))
        switch code {
        // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY, macros Swift does not import.
        case SQLITE_CONSTRAINT | 8 << 8, SQLITE_CONSTRAINT | 6 << 8:
            return DatabaseError(code: .uniqueViolation, message: message)
        default:
            return DatabaseError(code: .query, message: "SQLite statement failed: \(message) (code \(code))")
        }
    }
}

/// `sqlite3_initialize`, once per process before the first open (a lazily initialised global).
private let initialized = sqlite3_initialize()

/// What the connection's mutex guards: the handle and the compiled statements.
private struct State {
    var handle: OpaquePointer?
    /// Receives the WAL hook's calls, see `SQLiteConnection.checkpoint(with:)`.
    var checkpointer: SQLiteCheckpointer?
    var cache: [String: CachedStatement] = [:]
    /// Counts lookups; a statement's last one orders evictions.
    var clock: UInt64 = 0

    /// The cached statement for `key`, or a newly compiled one (cached when `key` is not `nil`).
    mutating func statement(key: String?, sql: @Sendable () -> String, handle: OpaquePointer) throws(DatabaseError)
        -> OpaquePointer
    {
        clock &+= 1
        if let key, let index = cache.index(forKey: key) {
            cache.values[index].lastUse = clock
            return cache.values[index].statement
        }
        let statement = try Self.prepare(sql(), handle: handle)
        if let key {
            if cache.count >= SQLiteConnection.cacheCapacity,
                let oldest = cache.min(by: { $0.value.lastUse < $1.value.lastUse })
            {
                sqlite3_finalize(oldest.value.statement)
                cache.removeValue(forKey: oldest.key)
            }
            cache[key] = CachedStatement(statement: statement, lastUse: clock)
        }
        return statement
    }

    /// Compiles one statement. More than one in `sql` is an error, as in PostgreSQL's extended
    /// protocol, rather than silently running only the first.
    private static func prepare(_ sql: String, handle: OpaquePointer) throws(DatabaseError) -> OpaquePointer {
        var statement: OpaquePointer?
        var rest: OpaquePointer?
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            var code = sqlite3_prepare_v2(handle, text, -1, &statement, &tail)
            // What follows the first statement may only be white space, comments and semicolons.
            if code == SQLITE_OK, let tail, tail.pointee != 0 {
                code = sqlite3_prepare_v2(handle, tail, -1, &rest, nil)
            }
            return code
        }
        guard code == SQLITE_OK, rest == nil else {
            let error =
                code == SQLITE_OK
                ? DatabaseError(code: .query, message: "SQLite runs one statement per call, got several: \(sql)")
                : SQLiteConnection.failure(code, handle: handle)
            sqlite3_finalize(statement)
            sqlite3_finalize(rest)
            throw error
        }
        // A string of only white space or comments compiles to no statement.
        guard let statement else {
            throw DatabaseError(code: .query, message: "SQLite statement is empty: \(sql)")
        }
        return statement
    }

    mutating func close() {
        for cached in cache.values {
            sqlite3_finalize(cached.statement)
        }
        cache = [:]
        sqlite3_close_v2(handle)
        handle = nil
        checkpointer = nil
    }
}

private struct CachedStatement {
    let statement: OpaquePointer
    var lastUse: UInt64
}
