import Synchronization

/// A statement with fixed SQL that runs often, such as the outbox append in every write.
///
/// PostgreSQL parses and plans it once per connection (a named server-side statement) instead of
/// on every call; SQLite keeps it compiled per connection under its name, and builds its SQL only
/// then.
public protocol PreparedStatement: Sendable {
    /// A name unique among prepared statements, the same on every connection.
    static var name: String { get }

    /// The SQL in `dialect`, with `$1`, `$2`, … placeholders; the same on every call.
    ///
    /// On PostgreSQL cast every placeholder that may be bound to NULL, or whose context has another
    /// type, to the type its values are sent as (`SQLValue`: integers `bigint`, reals `float8`,
    /// text `text`, UUIDs `uuid`, dates `timestamptz`, blobs `bytea`, JSON `jsonb`). The statement is
    /// prepared with the types of its first call's values; a NULL there leaves the type to the
    /// context (an INTEGER column, say), and a later bigint would then be refused.
    static func sql(_ dialect: SQLDialect) -> String
}

extension PreparedStatement {
    /// `sql(.postgres)`, built once per statement type: PostgresNIO asks for a prepared statement's
    /// SQL on every execution, and one assembled from parts (the outbox append carried by a write)
    /// took longer to build than to run.
    public static var postgresSQL: String {
        let key = ObjectIdentifier(Self.self)
        if let sql = postgresStatements.withLock({ $0[key] }) { return sql }
        let sql = Self.sql(.postgres)
        postgresStatements.withLock { $0[key] = sql }
        return sql
    }
}

/// `PreparedStatement.postgresSQL` of each statement type so far.
private let postgresStatements = Mutex<[ObjectIdentifier: String]>([:])
