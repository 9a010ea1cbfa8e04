/// A statement with fixed SQL that runs often, such as the outbox append in every write.
///
/// PostgreSQL parses and plans it once per connection (a named server-side statement) instead of
/// on every call; SQLite keeps it compiled per connection under its name, and builds its SQL only
/// then.
public protocol PreparedStatement: Sendable {
    /// A name unique among prepared statements, the same on every connection.
    static var name: String { get }

    /// The SQL in `dialect`, with `$1`, `$2`, … placeholders; the same on every call.
    static func sql(_ dialect: SQLDialect) -> String
}
