import Foundation
import Logging

/// Applies migrations in order, each once, recording them in `schema_migrations`.
///
/// Safe to run twice and from several processes at once: the whole run is one transaction that
/// first takes a lock (a PostgreSQL advisory lock; SQLite's `BEGIN IMMEDIATE` write lock).
public struct Migrator: Sendable {
    /// Stable key of the PostgreSQL advisory lock that serialises migration runs.
    static let advisoryLockKey: Int64 = 0x5354_414D_494E_41

    public let migrations: [Migration]

    public init(_ migrations: [Migration]) {
        self.migrations = migrations
    }

    /// Applies what is missing and returns the `module/version name` of each applied migration.
    @discardableResult
    public func migrate(_ database: any Database, logger: Logger) async throws -> [String] {
        let migrations = self.migrations
        let applied = try await database.transaction { session in
            if session.dialect == .postgres {
                try await session.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.advisoryLockKey)])
            }
            try await session.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    module TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL,
                    PRIMARY KEY (module, version))
                """)
            let done = Set(
                try await session.query("SELECT module, version FROM schema_migrations").map {
                    "\(try $0.string("module"))/\(try $0.int("version"))"
                })
            var applied: [String] = []
            for migration in migrations where !done.contains("\(migration.module)/\(migration.version)") {
                let statements = session.dialect == .postgres ? migration.postgres : migration.sqlite
                for statement in statements {
                    try await session.query(statement)
                }
                try await session.query(
                    "INSERT INTO schema_migrations (module, version, name, applied_at) VALUES ($1, $2, $3, $4)",
                    [
                        .text(migration.module), .int(migration.version), .text(migration.name),
                        .text(Date().formatted(.iso8601)),
                    ])
                applied.append("\(migration.module)/\(migration.version) \(migration.name)")
            }
            return applied
        }
        for name in applied {
            logger.info("applied migration", metadata: ["migration": "\(name)"])
        }
        return applied
    }
}
