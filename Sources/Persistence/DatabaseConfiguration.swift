import Logging

/// Where the data lives: an SQLite file (embedded) or a PostgreSQL URL (distributed).
public enum DatabaseConfiguration: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// Opens the configured database. PostgreSQL connects lazily, once the database runs.
    public func open(logger: Logger) async throws(DatabaseError) -> any Database {
        switch self {
        case .sqlite(let path):
            return try await SQLiteDatabase.open(path: path, logger: logger)
        case .postgres(let url):
            return try PostgresDatabase(url: url, logger: logger)
        }
    }
}
