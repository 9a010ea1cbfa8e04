import Foundation
import Persistence

/// The transactional outbox: events are appended in the same transaction as the change they
/// describe, so an event exists exactly when its change does.
public struct Outbox: Sendable {
    private let now: @Sendable () -> Date
    private let newID: @Sendable () -> UUID

    public init(now: @escaping @Sendable () -> Date = Date.init, newID: @escaping @Sendable () -> UUID = UUID.init) {
        self.now = now
        self.newID = newID
    }

    /// The outbox table and its indexes.
    public static let migrations: [Migration] = [
        Migration(
            module: "eventlog", version: 1, name: "outbox",
            sqlite: [
                """
                CREATE TABLE outbox (
                    position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL,
                    schema_version INTEGER NOT NULL, aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,
                    occurred_at REAL NOT NULL, causation_id TEXT, correlation_id TEXT, payload TEXT NOT NULL)
                """,
                "CREATE INDEX outbox_aggregate ON outbox (aggregate_id, position)",
            ],
            postgres: [
                """
                CREATE TABLE outbox (
                    position BIGINT PRIMARY KEY, event_id UUID NOT NULL UNIQUE, event_type TEXT NOT NULL,
                    schema_version INTEGER NOT NULL, aggregate_type TEXT NOT NULL, aggregate_id UUID NOT NULL,
                    occurred_at TIMESTAMPTZ NOT NULL, causation_id UUID, correlation_id UUID, payload JSONB NOT NULL)
                """,
                "CREATE INDEX outbox_aggregate ON outbox (aggregate_id, position)",
            ])
    ]

    /// Key of the PostgreSQL transaction lock that keeps positions gap-free and in commit order.
    static let appendLockKey: Int64 = 0x4F55_5442_4F58

    /// Appends events inside the caller's transaction and returns their envelopes.
    ///
    /// Positions are gap-free: on PostgreSQL appends are serialised by a transaction-scoped lock
    /// (held until commit), so a later position never commits before an earlier one; SQLite has a
    /// single writer anyway. Call it last in a transaction to keep the lock short.
    @discardableResult
    public func append(
        _ events: [any DomainEvent], in session: any DatabaseSession, causationID: UUID? = nil,
        correlationID: UUID? = nil
    ) async throws -> [EventEnvelope] {
        guard !events.isEmpty else { return [] }
        if session.dialect == .postgres {
            try await session.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.appendLockKey)])
        }
        let last = try await session.first("SELECT COALESCE(MAX(position), 0) AS last FROM outbox")?.int("last") ?? 0
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        var envelopes: [EventEnvelope] = []
        for (offset, event) in events.enumerated() {
            let envelope = EventEnvelope(
                position: Int64(last + offset + 1), eventID: newID(), eventType: type(of: event).eventType,
                schemaVersion: type(of: event).schemaVersion, aggregateType: type(of: event).aggregateType,
                aggregateID: event.aggregateID, occurredAt: now(), causationID: causationID,
                correlationID: correlationID,
                payload: String(decoding: try encoder.encode(event), as: UTF8.self))
            try await session.query(
                """
                INSERT INTO outbox (position, event_id, event_type, schema_version, aggregate_type, aggregate_id,
                    occurred_at, causation_id, correlation_id, payload)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """,
                [
                    .integer(envelope.position), .uuid(envelope.eventID), .text(envelope.eventType),
                    .int(envelope.schemaVersion), .text(envelope.aggregateType), .uuid(envelope.aggregateID),
                    .date(envelope.occurredAt), .optional(causationID, SQLValue.uuid),
                    .optional(correlationID, SQLValue.uuid), .json(envelope.payload),
                ])
            envelopes.append(envelope)
        }
        return envelopes
    }

    /// Reads events after `position`, in order (for operators, tests and, later, dispatchers).
    public func read(after position: Int64, limit: Int, in session: any DatabaseSession) async throws -> [EventEnvelope]
    {
        try await session.query(
            "SELECT * FROM outbox WHERE position > $1 ORDER BY position LIMIT $2", [.integer(position), .int(limit)]
        ).map { row in
            EventEnvelope(
                position: Int64(try row.int("position")), eventID: try row.uuid("event_id"),
                eventType: try row.string("event_type"), schemaVersion: try row.int("schema_version"),
                aggregateType: try row.string("aggregate_type"), aggregateID: try row.uuid("aggregate_id"),
                occurredAt: try row.date("occurred_at"), causationID: row.optionalUUID("causation_id"),
                correlationID: row.optionalUUID("correlation_id"), payload: try row.string("payload"))
        }
    }
}
