import Foundation
import Persistence
import Synchronization

/// The transactional outbox: events are appended in the same transaction as the change they
/// describe, so an event exists exactly when its change does.
public struct Outbox: Sendable {
    private let now: @Sendable () -> Date
    private let newID: @Sendable () -> UUID

    /// `newID` names each event; by default a time-ordered UUID (`UUID.timeOrdered`).
    public init(
        now: @escaping @Sendable () -> Date = Date.init, newID: @escaping @Sendable () -> UUID = { .timeOrdered() }
    ) {
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
            ]),
        Migration(
            module: "eventlog", version: 3, name: "outbox head",
            sqlite: headTable, postgres: headTable),
        Migration(
            module: "eventlog", version: 5, name: "outbox head follows inserts",
            sqlite: [
                // Lets one INSERT both append and move the head on SQLite, which has no DML in CTEs.
                """
                CREATE TRIGGER outbox_head_follows AFTER INSERT ON outbox
                BEGIN UPDATE outbox_head SET position = NEW.position WHERE id = 1 AND position < NEW.position; END
                """
            ],
            postgres: []),
        // SQLite runs one write transaction at a time, so the last row's position (the rowid, at
        // the right edge of the table's b-tree) is as good a head as a row of its own, and cheaper:
        // an append then writes the page it inserts into and no other. Neither index was read by
        // any query; each cost a page (at a random place: UUIDs) in every commit's WAL frames.
        Migration(
            module: "eventlog", version: 6, name: "outbox without head row and unread indexes",
            sqlite: [
                """
                CREATE TABLE outbox_rebuilt (
                    position INTEGER PRIMARY KEY, event_id TEXT NOT NULL, event_type TEXT NOT NULL,
                    schema_version INTEGER NOT NULL, aggregate_type TEXT NOT NULL, aggregate_id TEXT NOT NULL,
                    occurred_at REAL NOT NULL, causation_id TEXT, correlation_id TEXT, payload TEXT NOT NULL)
                """,
                "INSERT INTO outbox_rebuilt SELECT \(columns.joined(separator: ", ")) FROM outbox",
                "DROP TABLE outbox",
                "ALTER TABLE outbox_rebuilt RENAME TO outbox",
                "DROP TABLE outbox_head",
            ],
            postgres: []),
        // The same two indexes on PostgreSQL, for the same reason: each append paid for two index
        // insertions (the event id's at a random page) that no query used.
        Migration(
            module: "eventlog", version: 7, name: "outbox without unread indexes",
            sqlite: [],
            postgres: [
                "ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_event_id_key",
                "DROP INDEX IF EXISTS outbox_aggregate",
            ]),
    ]

    /// One row holding the last position handed out: appends take its row lock, which serialises
    /// them until commit and replaces a `MAX(position)` scan.
    static let headTable = [
        "CREATE TABLE outbox_head (id INTEGER PRIMARY KEY CHECK (id = 1), position BIGINT NOT NULL)",
        "INSERT INTO outbox_head (id, position) SELECT 1, COALESCE(MAX(position), 0) FROM outbox",
    ]

    /// The columns of an outbox row, in the order `append` binds them.
    static let columns = [
        "position", "event_id", "event_type", "schema_version", "aggregate_type", "aggregate_id", "occurred_at",
        "causation_id", "correlation_id", "payload",
    ]

    /// PostgreSQL types of `columns`, for the casts of a `VALUES` list.
    static let postgresTypes = [
        "bigint", "uuid", "text", "integer", "text", "uuid", "timestamptz", "uuid", "uuid", "jsonb",
    ]

    /// Appends events inside the caller's transaction and returns their envelopes.
    ///
    /// Positions are gap-free and commit in order: on PostgreSQL the append takes the row lock of
    /// `outbox_head`, held until commit, so a later position never commits before an earlier one; on
    /// SQLite, whose write transactions run one at a time, it follows the last row. It is one statement
    /// per 1,000 events. Dispatchers in other processes learn of them after the commit
    /// (`DatabaseSession.announceCommit()`). Call it last in a transaction to keep the lock short.
    @discardableResult
    public func append(
        _ events: [any DomainEvent], in session: any DatabaseSession, causationID: UUID? = nil,
        correlationID: UUID? = nil
    ) async throws -> [EventEnvelope] {
        try await insert(envelopes(events, causationID: causationID, correlationID: correlationID), in: session)
    }

    /// Runs `write`, the change that `events` describe, and appends them in the same transaction:
    /// on PostgreSQL without a round trip of their own. The append rides in front of the first
    /// statement `write` runs through the session it is handed that can carry it (an `INSERT`,
    /// `UPDATE` or `DELETE`, or a statement opening with a plain `WITH`), as common table expressions
    /// of that statement; if none runs, and on SQLite, whose statements cost no round trip, it runs
    /// after `write` as `append(_:in:)` does. PostgreSQL runs such unreferenced expressions after
    /// the statement's own work, so the head's row lock (see `append(_:in:)`) is still taken last
    /// when `write` is the transaction's last statement; hand it no more than that, or a statement
    /// after the carrying one could wait for a row while holding the lock every append needs.
    public func append<T: Sendable>(
        _ events: [any DomainEvent], in session: any DatabaseSession, causationID: UUID? = nil,
        correlationID: UUID? = nil, along write: (any DatabaseSession) async throws -> T
    ) async throws -> T {
        let envelopes = try envelopes(events, causationID: causationID, correlationID: correlationID)
        guard session.dialect == .postgres, !envelopes.isEmpty, envelopes.count <= Self.rowsPerStatement else {
            let result = try await write(session)
            try await insert(envelopes, in: session)
            return result
        }
        let carrier = Carrier(session: session, envelopes: envelopes)
        // Also when `write` fails after the carrying statement: outside a transaction, that one has committed.
        defer { if carrier.carried { session.announceCommit() } }
        let result = try await write(carrier)
        if !carrier.carried { try await insert(envelopes, in: session) }
        return result
    }

    /// The envelopes of new events, payloads encoded.
    private func envelopes(_ events: [any DomainEvent], causationID: UUID?, correlationID: UUID?) throws
        -> [EventEnvelope]
    {
        try events.map { event in
            EventEnvelope(
                position: 0, eventID: newID(), eventType: type(of: event).eventType,
                schemaVersion: type(of: event).schemaVersion, aggregateType: type(of: event).aggregateType,
                aggregateID: event.aggregateID, occurredAt: now(), causationID: causationID,
                correlationID: correlationID, payload: try PayloadEncoder.encode(event))
        }
    }

    /// Inserts `envelopes`, one statement per `rowsPerStatement`, and returns them with their positions.
    @discardableResult
    private func insert(_ envelopes: [EventEnvelope], in session: any DatabaseSession) async throws -> [EventEnvelope] {
        if !envelopes.isEmpty { session.announceCommit() }
        var appended: [EventEnvelope] = []
        appended.reserveCapacity(envelopes.count)
        for start in stride(from: 0, to: envelopes.count, by: Self.rowsPerStatement) {
            let chunk = envelopes[start..<min(start + Self.rowsPerStatement, envelopes.count)]
            let base = try await insert(chunk, in: session)
            appended += chunk.enumerated().map { offset, envelope in
                var envelope = envelope
                envelope.position = base + Int64(offset + 1)
                return envelope
            }
        }
        return appended
    }

    /// Events per `INSERT`, well below both engines' limits on bound parameters.
    static let rowsPerStatement = 1_000

    /// Inserts `envelopes` after the head and returns the position before the first of them, in one
    /// statement (`AppendOne` for the usual single event): on PostgreSQL `postgresAppend`, which moves
    /// the head and inserts; on SQLite a plain `INSERT` that leaves the position out, which
    /// SQLite then sets to the last row's plus one (an `INTEGER PRIMARY KEY` is the rowid), row after
    /// row. An `INSERT … SELECT MAX(position) …` did the same at a higher cost: SQLite copies the
    /// rows of a `SELECT` that reads the table it inserts into to a temporary table first.
    private func insert(_ envelopes: ArraySlice<EventEnvelope>, in session: any DatabaseSession) async throws -> Int64 {
        guard session.dialect == .postgres else {
            let binds = envelopes.flatMap { Self.binds($0).dropFirst() }
            let rows =
                envelopes.count == 1
                ? try await session.query(AppendOne.self, binds)
                : try await session.query(Self.sqliteInsert(rows: envelopes.count), binds)
            return Int64(try rows.map { try $0.int("position") }.min() ?? 1) - 1
        }
        let binds = Self.relativeBinds(envelopes)
        if envelopes.count == 1 {
            return Int64(try await session.query(AppendOne.self, binds).first?.int("base") ?? 0)
        }
        let head = try await session.first(Self.postgresInsert(rows: envelopes.count), binds)
        return Int64(try head?.int("base") ?? 0)
    }

    /// The append of one event, the usual case; prepared once per connection. Binds: on PostgreSQL
    /// `relativeBinds` of the event, on SQLite its `binds` without the position.
    enum AppendOne: PreparedStatement {
        static let name = "stamina_outbox_append_one"

        static func sql(_ dialect: SQLDialect) -> String {
            dialect == .postgres ? postgresInsert(rows: 1) : sqliteInsert(rows: 1)
        }
    }

    /// SQLite's append of `rows` events: every column but the position, which SQLite assigns.
    static func sqliteInsert(rows: Int) -> String {
        let list = columns.dropFirst().joined(separator: ", ")
        let row = "(" + Array(repeating: "?", count: columns.count - 1).joined(separator: ", ") + ")"
        return
            "INSERT INTO outbox (\(list)) VALUES \(Array(repeating: row, count: rows).joined(separator: ", ")) RETURNING position"
    }

    /// `postgresAppend` as a statement of its own, returning `base`.
    static func postgresInsert(rows: Int) -> String {
        "WITH \(postgresAppend(rows: rows, from: 1)) SELECT base FROM stamina_outbox_rows LIMIT 1"
    }

    /// The append of `rows` events on PostgreSQL as common table expressions, their binds (the rows'
    /// `binds`, positions relative: 1, 2, …) numbered from `$first`: moves the head and
    /// inserts, returning the position before the first row as `base` from `stamina_outbox_rows`.
    static func postgresAppend(rows: Int, from first: Int) -> String {
        let list = columns.joined(separator: ", ")
        let fields = columns.dropFirst().map { "e." + $0 }.joined(separator: ", ")
        let casts = postgresTypes.map { "::" + $0 }
        return """
            stamina_outbox_head AS (
                UPDATE outbox_head SET position = position + \(rows) WHERE id = 1 RETURNING position - \(rows) AS base),
            stamina_outbox_rows AS (
                INSERT INTO outbox (\(list))
                SELECT head.base + e.position, \(fields)
                FROM stamina_outbox_head AS head,
                    (VALUES \(placeholders(rows: rows, from: first, casts: casts))) AS e (\(list))
                RETURNING (SELECT base FROM stamina_outbox_head) AS base)
            """
    }

    /// `($from, $from+1, …), (…)`: `rows` tuples of one placeholder per column, each with its cast.
    static func placeholders(rows: Int, from first: Int, casts: [String]) -> String {
        (0..<rows).map { row in
            "("
                + casts.enumerated().map { column, cast in "$\(first + row * columns.count + column)\(cast)" }
                .joined(separator: ", ") + ")"
        }.joined(separator: ", ")
    }

    /// An envelope's values in the order of `columns`.
    static func binds(_ envelope: EventEnvelope) -> [SQLValue] {
        [
            .integer(envelope.position), .uuid(envelope.eventID), .text(envelope.eventType),
            .int(envelope.schemaVersion), .text(envelope.aggregateType), .uuid(envelope.aggregateID),
            .date(envelope.occurredAt), .optional(envelope.causationID, SQLValue.uuid),
            .optional(envelope.correlationID, SQLValue.uuid), .json(envelope.payload),
        ]
    }

    /// The values of `envelopes` in the order of `columns`, row after row, with relative positions
    /// (1, 2, …): the head says where the batch starts.
    static func relativeBinds(_ envelopes: some Collection<EventEnvelope>) -> [SQLValue] {
        envelopes.enumerated().flatMap { offset, envelope in
            var envelope = envelope
            envelope.position = Int64(offset + 1)
            return binds(envelope)
        }
    }

    /// The last position handed out.
    public static func head(in session: any DatabaseSession) async throws -> Int64 {
        let sql =
            session.dialect == .postgres
            ? "SELECT position FROM outbox_head WHERE id = 1"
            : "SELECT COALESCE(MAX(position), 0) AS position FROM outbox"
        return Int64(try await session.first(sql)?.int("position") ?? 0)
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

/// The session `Outbox.append(_:in:along:)` hands its write on PostgreSQL: the first statement it
/// runs that can carry the append gets the append's common table expressions in front of its own.
private final class Carrier: DatabaseSession {
    private let session: any DatabaseSession
    private let envelopes: [EventEnvelope]
    private let pending = Mutex(true)

    init(session: any DatabaseSession, envelopes: [EventEnvelope]) {
        self.session = session
        self.envelopes = envelopes
    }

    var dialect: SQLDialect { session.dialect }

    /// Whether a statement carried the append.
    var carried: Bool { !pending.withLock { $0 } }

    /// PostgreSQL's limit on a statement's bound parameters.
    static let maximumBinds = 65_535

    func query(_ sql: String, _ binds: [SQLValue]) async throws(DatabaseError) -> [SQLRow] {
        guard !carried, binds.count + envelopes.count * Outbox.columns.count <= Self.maximumBinds,
            let statement = Self.carrying(
                Outbox.postgresAppend(rows: envelopes.count, from: binds.count + 1), in: sql),
            take()
        else { return try await session.query(sql, binds) }
        return try await session.query(statement, binds + Outbox.relativeBinds(envelopes))
    }

    /// A prepared write carries the append of one event as a prepared statement of its own
    /// (`Carrying<Statement>`), parsed and planned once per connection like the write alone.
    func query<Statement: PreparedStatement>(_ statement: Statement.Type, _ binds: [SQLValue])
        async throws(DatabaseError) -> [SQLRow]
    {
        guard !carried, envelopes.count == 1, Carrying<Statement>.carries, take() else {
            return try await session.query(statement, binds)
        }
        return try await session.query(Carrying<Statement>.self, binds + Outbox.relativeBinds(envelopes))
    }

    /// Claims the append for the statement about to run; false once a statement has it.
    private func take() -> Bool {
        pending.withLock { pending in
            defer { pending = false }
            return pending
        }
    }

    /// `sql` with `append` (common table expressions) in front, or nil when `sql` cannot carry it:
    /// only an `INSERT`, `UPDATE` or `DELETE`, alone or after a `WITH` that is not `RECURSIVE`, can.
    static func carrying(_ append: String, in sql: String) -> String? {
        let text = sql.drop { $0.isWhitespace }
        switch text.prefix(while: \.isLetter).uppercased() {
        case "INSERT", "UPDATE", "DELETE": return "WITH \(append) \(text)"
        case "WITH":
            let list = text.dropFirst(4)
            guard !list.drop(while: \.isWhitespace).uppercased().hasPrefix("RECURSIVE") else { return nil }
            return "WITH \(append),\(list)"
        default: return nil
        }
    }

    /// `Statement` with the append of one event in front, its binds after the statement's own.
    enum Carrying<Statement: PreparedStatement>: PreparedStatement {
        static var name: String { "stamina_outbox_carried_by_" + Statement.name }

        /// Whether `Statement` can carry the append (a look at the first word of its cached SQL).
        static var carries: Bool { carrying("", in: Statement.postgresSQL) != nil }

        static func sql(_ dialect: SQLDialect) -> String {
            let write = Statement.sql(dialect)
            let append = Outbox.postgresAppend(rows: 1, from: highestPlaceholder(in: write) + 1)
            return carrying(append, in: write) ?? write
        }

        /// The highest `$n` in `sql`: a prepared statement's binds are `$1` to it.
        static func highestPlaceholder(in sql: String) -> Int {
            var highest = 0
            var number: Int?
            for byte in Array(sql.utf8) + [0] {
                if let current = number, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                    number = current * 10 + Int(byte - UInt8(ascii: "0"))
                    continue
                }
                if let current = number { highest = max(highest, current) }
                number = byte == UInt8(ascii: "$") ? 0 : nil
            }
            return highest
        }
    }

    func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws(DatabaseError) {
        try await session.bulkInsert(table: table, columns: columns, rows: rows)
    }

    func announceCommit() { session.announceCommit() }
}
