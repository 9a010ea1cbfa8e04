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
            sqlite: tables(uuid: "TEXT", timestamp: "REAL"), postgres: tables(uuid: "UUID", timestamp: "TIMESTAMPTZ")),
        Migration(
            module: "eventlog", version: 4, name: "consumer positions per stream",
            sqlite: streams(timestamp: "REAL"), postgres: streams(timestamp: "TIMESTAMPTZ")),
    ]

    /// The stream of a consumer fed by the whole log in order (the in-process dispatcher).
    public static let wholeLog = ""

    /// Positions get a stream: the whole log (`wholeLog`) for the in-process dispatcher, or one
    /// Kafka partition (`topic/partition`), whose events arrive in log order among themselves only.
    static func streams(timestamp: String) -> [String] {
        [
            "ALTER TABLE consumer_positions RENAME TO consumer_positions_v2",
            """
            CREATE TABLE consumer_positions (
                consumer TEXT NOT NULL, stream TEXT NOT NULL, position BIGINT NOT NULL, updated_at \(timestamp) NOT NULL,
                PRIMARY KEY (consumer, stream))
            """,
            """
            INSERT INTO consumer_positions (consumer, stream, position, updated_at)
            SELECT consumer, '', position, updated_at FROM consumer_positions_v2
            """,
            "DROP TABLE consumer_positions_v2",
        ]
    }

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

    /// The consumer's position in `stream`, locked until the transaction ends (PostgreSQL; SQLite
    /// transactions are serial anyway), so that two processes never apply the same events.
    static func lockedPosition(of consumer: String, stream: String, in session: any DatabaseSession) async throws
        -> Int64
    {
        if session.dialect == .postgres {
            try await session.query("SELECT pg_advisory_xact_lock(hashtext($1))", [.text("consumer:" + consumer)])
        }
        return try await position(of: consumer, stream: stream, in: session)
    }

    /// Every stream position of the consumer, locked until the transaction ends like `lockedPosition`.
    static func lockedPositions(of consumer: String, in session: any DatabaseSession) async throws -> StreamPositions {
        if session.dialect == .postgres {
            try await session.query("SELECT pg_advisory_xact_lock(hashtext($1))", [.text("consumer:" + consumer)])
        }
        let rows = try await session.query(
            "SELECT stream, position FROM consumer_positions WHERE consumer = $1", [.text(consumer)])
        return StreamPositions(
            byStream: Dictionary(
                uniqueKeysWithValues: try rows.map { (try $0.string("stream"), Int64(try $0.int("position"))) }))
    }

    /// The last position the consumer applied in `stream`: events at or below it are done.
    ///
    /// Positions are global, so the whole-log position (set by the dispatcher and by rebuilds) also
    /// covers every partition stream.
    public static func position(of consumer: String, stream: String = wholeLog, in session: any DatabaseSession)
        async throws -> Int64
    {
        Int64(
            try await session.first(
                "SELECT COALESCE(MAX(position), 0) AS position FROM consumer_positions WHERE consumer = $1 AND stream IN ('', $2)",
                [.text(consumer), .text(stream)])?.int("position") ?? 0)
    }

    public static func setPosition(
        _ position: Int64, of consumer: String, stream: String = wholeLog, in session: any DatabaseSession
    ) async throws {
        try await session.query(
            """
            INSERT INTO consumer_positions (consumer, stream, position, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (consumer, stream) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
            """, [.text(consumer), .text(stream), .integer(position), .date(Date())])
    }

    /// Forgets every stream position of the consumer and sets its whole-log position (rebuilds).
    static func resetPositions(of consumer: String, to position: Int64, in session: any DatabaseSession) async throws {
        try await session.query("DELETE FROM consumer_positions WHERE consumer = $1", [.text(consumer)])
        try await setPosition(position, of: consumer, in: session)
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

/// A consumer's positions by stream.
struct StreamPositions {
    var byStream: [String: Int64]

    /// Events at or below this position are done in `stream`: the whole-log position covers every stream.
    func done(in stream: String) -> Int64 {
        max(byStream[ConsumerStore.wholeLog] ?? 0, byStream[stream] ?? 0)
    }
}
