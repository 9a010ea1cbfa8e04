import ServiceLifecycle
import Synchronization

/// The SQL dialect a database speaks; statements that differ are chosen by it.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres

    /// The placeholder `$number`, on PostgreSQL cast to `postgresType`, the type its values are sent
    /// as: what a `PreparedStatement` needs where a value may be NULL or its context has another type.
    public func parameter(_ number: Int, _ postgresType: String) -> String {
        self == .postgres ? "$\(number)::\(postgresType)" : "$\(number)"
    }
}

/// A connection lent for the duration of a closure: run statements on it.
///
/// Statements use PostgreSQL-style positional parameters (`$1`, `$2`, …) on every engine.
public protocol DatabaseSession: Sendable {
    var dialect: SQLDialect { get }

    /// Runs one statement and returns all rows it produced.
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws(DatabaseError) -> [SQLRow]

    /// Runs a prepared statement (see `PreparedStatement`) and returns all rows it produced.
    @discardableResult
    func query<Statement: PreparedStatement>(_ statement: Statement.Type, _ binds: [SQLValue])
        async throws(DatabaseError) -> [SQLRow]

    /// Inserts many rows by the engine's fastest path: `COPY … FROM STDIN` on PostgreSQL,
    /// multi-row `INSERT … VALUES` statements on SQLite. Every row has one value per column.
    func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws(DatabaseError)

    /// Tells the database that this session's work appended events: once it has committed, `commits`
    /// is signalled, and PostgreSQL notifies `PostgresDatabase.commitChannel` for other processes
    /// (coalesced with other sessions' notifications).
    func announceCommit()
}

extension DatabaseSession {
    /// Engines without prepared statements run the statement's SQL as any other.
    @discardableResult
    public func query<Statement: PreparedStatement>(_ statement: Statement.Type, _ binds: [SQLValue])
        async throws(DatabaseError) -> [SQLRow]
    {
        try await query(Statement.sql(dialect), binds)
    }

    /// Runs one statement with no binds.
    @discardableResult
    public func query(_ sql: String) async throws(DatabaseError) -> [SQLRow] {
        try await query(sql, [])
    }

    /// Runs a statement and returns its first row, if any.
    public func first(_ sql: String, _ binds: [SQLValue] = []) async throws(DatabaseError) -> SQLRow? {
        try await query(sql, binds).first
    }
}

/// Whether a session appended events (`DatabaseSession.announceCommit()`).
final class EventsAppended: Sendable {
    let flag = Atomic(false)
}

/// A database: SQLite (embedded) or PostgreSQL (distributed).
///
/// It is also a `Service`: run it in the service group so that pools start and close with the
/// process.
public protocol Database: Service {
    var dialect: SQLDialect { get }

    /// Signalled after each transaction of this process that appended events (a rolled-back one only
    /// causes a spurious wake-up, which costs a waiter one empty read), and, on PostgreSQL, for such
    /// commits of other processes.
    var commits: CommitSignal { get }

    /// Runs `body` on a connection outside any explicit transaction (reads).
    @discardableResult
    func read<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    @discardableResult
    func transaction<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T
}

extension Database {
    /// Runs `body`, whose writes are one statement on PostgreSQL (atomic by itself): there on a pooled
    /// connection without BEGIN and COMMIT, two round trips fewer; on SQLite in a transaction on the
    /// writer. Events it appends are announced as a transaction's are.
    @discardableResult
    public func autocommit<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        dialect == .postgres ? try await read(body) : try await transaction(body)
    }
}
