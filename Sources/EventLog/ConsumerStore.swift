import Foundation
import Persistence

/// A failed event set aside after the consumer's retries, with the error that stopped it.
public struct DeadLetter: Sendable, Equatable {
    public var consumer: String
    public var position: Int64
    public var eventID: UUID
    public var eventType: String
    public var attempts: Int
    public var error: String
    public var failedAt: Date
}

/// Consumer positions and dead letters, stored beside the outbox.
public enum ConsumerStore {
    public static let migrations: [Migration] = [
        Migration(
            module: "eventlog", version: 2, name: "consumer positions and dead letters",
            sqlite: tables(uuid: "TEXT", timestamp: "REAL"), postgres: tables(uuid: "UUID", timestamp: "TIMESTAMPTZ"))
    ]

    static func tables(uuid: String, timestamp: String) -> [String] {
        [
            """
            CREATE TABLE consumer_positions (
                consumer TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at \(timestamp) NOT NULL)
            """,
            """
            CREATE TABLE dead_letters (
                consumer TEXT NOT NULL, position BIGINT NOT NULL, event_id \(uuid) NOT NULL, event_type TEXT NOT NULL,
                attempts INTEGER NOT NULL, error TEXT NOT NULL, failed_at \(timestamp) NOT NULL,
                PRIMARY KEY (consumer, position))
            """,
        ]
    }

    /// The consumer's position, locked until the transaction ends (PostgreSQL; SQLite transactions
    /// are serial anyway), so that two dispatchers never apply the same events.
    static func lockedPosition(of consumer: String, in session: any DatabaseSession) async throws -> Int64 {
        if session.dialect == .postgres {
            try await session.query("SELECT pg_advisory_xact_lock(hashtext($1))", [.text("consumer:" + consumer)])
        }
        return try await position(of: consumer, in: session)
    }

    public static func position(of consumer: String, in session: any DatabaseSession) async throws -> Int64 {
        Int64(
            try await session.first("SELECT position FROM consumer_positions WHERE consumer = $1", [.text(consumer)])?
                .int("position") ?? 0)
    }

    public static func setPosition(_ position: Int64, of consumer: String, in session: any DatabaseSession) async throws
    {
        try await session.query(
            """
            INSERT INTO consumer_positions (consumer, position, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
            """, [.text(consumer), .integer(position), .date(Date())])
    }

    static func addDeadLetter(_ letter: DeadLetter, in session: any DatabaseSession) async throws {
        try await session.query(
            """
            INSERT INTO dead_letters (consumer, position, event_id, event_type, attempts, error, failed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (consumer, position) DO NOTHING
            """,
            [
                .text(letter.consumer), .integer(letter.position), .uuid(letter.eventID), .text(letter.eventType),
                .int(letter.attempts), .text(String(letter.error.prefix(4_000))), .date(letter.failedAt),
            ])
    }

    public static func deadLetters(in session: any DatabaseSession) async throws -> [DeadLetter] {
        try await session.query("SELECT * FROM dead_letters ORDER BY consumer, position").map { row in
            DeadLetter(
                consumer: try row.string("consumer"), position: Int64(try row.int("position")),
                eventID: try row.uuid("event_id"), eventType: try row.string("event_type"),
                attempts: try row.int("attempts"), error: try row.string("error"), failedAt: try row.date("failed_at"))
        }
    }

    static func removeDeadLetter(consumer: String, position: Int64, in session: any DatabaseSession) async throws {
        try await session.query(
            "DELETE FROM dead_letters WHERE consumer = $1 AND position = $2", [.text(consumer), .integer(position)])
    }
}
