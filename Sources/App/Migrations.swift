import Accounts
import Activities
import EventLog
import Insights
import Live
import Logging
import Persistence

/// Every module's migrations, in the order they must first be applied.
public enum Migrations {
    /// PostGIS comes first: routes and segments depend on it in PostgreSQL.
    static let postgis = Migration(
        module: "core", version: 1, name: "postgis", sqlite: [], postgres: ["CREATE EXTENSION IF NOT EXISTS postgis"])

    public static let all: [Migration] =
        [postgis] + Outbox.migrations + ConsumerStore.migrations + AccountsMigrations.all + ActivitiesMigrations.all
        + ProgressProjection.migrations + LiveStore.migrations

    /// Checks what the server needs of the database engine, then migrates.
    public static func prepare(_ database: any Database, logger: Logger) async throws {
        if database.dialect == .postgres {
            try await requirePostGIS(database)
        }
        try await Migrator(all).migrate(database, logger: logger)
    }

    /// Refuses to go on, with a message that says what to install, when PostGIS is missing.
    static func requirePostGIS(_ database: any Database) async throws {
        let available = try await database.read { session in
            try await session.first("SELECT 1 AS present FROM pg_available_extensions WHERE name = 'postgis'") != nil
        }
        guard available else {
            throw DatabaseError(
                code: .configuration,
                message:
                    "PostGIS is not installed on this PostgreSQL server; install it (Debian: postgresql-15-postgis-3) and restart"
            )
        }
    }
}
