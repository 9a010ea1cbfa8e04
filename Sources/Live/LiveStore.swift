import Activities
import ActivityFiles
import Analytics
import Foundation
import Persistence

/// The SQL of live sessions, their points and share links, for SQLite and PostgreSQL alike.
///
/// On PostgreSQL points are one row each in `live_points`, keyed by (session, seq): a device
/// resending what it already sent is dropped by the key (`ON CONFLICT DO NOTHING`), so a reconnect
/// never doubles a point, even when two processes briefly hold the same session. On SQLite the
/// writer logs them and moves them into `live_point_chunks` (see `LivePointWriter`), and a seq
/// stored twice is read back once. Once a session becomes an activity its points move into the
/// activity's point chunks and are deleted here.
public enum LiveStore {
    public static let migrations: [Migration] = [
        Migration(
            module: "live", version: 1, name: "live sessions, points and share links",
            sqlite: schema(uuid: "TEXT", timestamp: "REAL", real: "REAL", points: " WITHOUT ROWID"),
            postgres: schema(uuid: "UUID", timestamp: "TIMESTAMPTZ", real: "DOUBLE PRECISION", points: "")),
        Migration(
            module: "live", version: 2, name: "live points log (SQLite)",
            sqlite: [
                """
                CREATE TABLE live_points_log (
                    id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, seq BIGINT NOT NULL, time REAL NOT NULL,
                    latitude REAL, longitude REAL, altitude REAL, distance REAL, speed REAL, heart_rate REAL,
                    cadence REAL, power REAL, temperature REAL, received_at REAL NOT NULL)
                """
            ],
            postgres: []),
        Migration(
            module: "live", version: 3, name: "live point chunks (SQLite)",
            sqlite: [
                """
                CREATE TABLE live_point_chunks (
                    id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, first_seq BIGINT NOT NULL,
                    last_seq BIGINT NOT NULL, received_at REAL NOT NULL, seqs BLOB NOT NULL, points BLOB NOT NULL)
                """,
                "CREATE INDEX live_point_chunks_session ON live_point_chunks (session_id, first_seq)",
            ],
            postgres: []),
    ]

    static func schema(uuid: String, timestamp: String, real: String, points: String) -> [String] {
        [
            """
            CREATE TABLE live_sessions (
                id \(uuid) PRIMARY KEY, user_id \(uuid) NOT NULL, client_session_id TEXT NOT NULL, sport TEXT NOT NULL,
                visibility TEXT NOT NULL, name TEXT, started_at \(timestamp) NOT NULL, state TEXT NOT NULL,
                timer_events TEXT NOT NULL, activity_id \(uuid), updated_at \(timestamp) NOT NULL,
                UNIQUE (user_id, client_session_id))
            """,
            "CREATE INDEX live_sessions_open ON live_sessions (state, updated_at)",
            "CREATE INDEX live_sessions_user ON live_sessions (user_id, state)",
            """
            CREATE TABLE live_points (
                session_id \(uuid) NOT NULL, seq BIGINT NOT NULL, time \(timestamp) NOT NULL, latitude \(real),
                longitude \(real), altitude \(real), distance \(real), speed \(real), heart_rate \(real), cadence \(real),
                power \(real), temperature \(real), received_at \(timestamp) NOT NULL,
                PRIMARY KEY (session_id, seq))\(points)
            """,
            """
            CREATE TABLE live_shares (
                id \(uuid) PRIMARY KEY, session_id \(uuid) NOT NULL, token_hash TEXT NOT NULL UNIQUE,
                created_at \(timestamp) NOT NULL, revoked_at \(timestamp))
            """,
            "CREATE INDEX live_shares_session ON live_shares (session_id)",
        ]
    }

    // MARK: Sessions

    /// Inserts `candidate`, or, when the user already has a session with its client id, returns that
    /// one, with `updated_at` moved to the candidate's while it is open: one statement either way.
    static func upsert(_ candidate: LiveSession, in db: any DatabaseSession) async throws -> LiveSession {
        let rows = try await db.query(
            UpsertSession.self,
            [
                .uuid(candidate.id), .uuid(candidate.userID), .text(candidate.clientSessionID),
                .text(candidate.sport.rawValue), .text(candidate.visibility.rawValue),
                .optional(candidate.name, SQLValue.text), .date(candidate.startedAt), .text(candidate.state.rawValue),
                .text(encode(candidate.timerEvents)), .optional(candidate.activityID, SQLValue.uuid),
                .date(candidate.updatedAt),
            ])
        guard let row = rows.first else { throw LiveError(.unavailable, "The session could not be stored.") }
        return try session(from: row)
    }

    static func session(id: UUID, in db: any DatabaseSession) async throws -> LiveSession? {
        try await db.query(SessionByID.self, [.uuid(id)]).first.map(session(from:))
    }

    /// The columns of `live_sessions`, as `session(from:)` reads them.
    static let sessionColumns =
        "id, user_id, client_session_id, sport, visibility, name, started_at, state, timer_events, activity_id, updated_at"

    /// A new session, or the open one of the same client session id touched (a finished or abandoned
    /// one is returned as it is): run by every device's start, so prepared.
    enum UpsertSession: PreparedStatement {
        static let name = "stamina_upsert_live_session"

        static func sql(_ dialect: SQLDialect) -> String {
            let types = [
                "uuid", "uuid", "text", "text", "text", "text", "timestamptz", "text", "text", "uuid", "timestamptz",
            ]
            let values = types.enumerated().map { dialect.parameter($0 + 1, $1) }.joined(separator: ", ")
            return """
                INSERT INTO live_sessions (\(sessionColumns)) VALUES (\(values))
                ON CONFLICT (user_id, client_session_id) DO UPDATE SET updated_at = CASE
                    WHEN live_sessions.state IN ('live', 'paused') THEN excluded.updated_at ELSE live_sessions.updated_at END
                RETURNING \(sessionColumns)
                """
        }
    }

    /// A session by id: read by every spectator's join, so prepared.
    enum SessionByID: PreparedStatement {
        static let name = "stamina_live_session_by_id"

        static func sql(_ dialect: SQLDialect) -> String {
            "SELECT \(sessionColumns) FROM live_sessions WHERE id = \(dialect.parameter(1, "uuid"))"
        }
    }

    /// The user's sessions in progress, newest first.
    static func openSessions(userID: UUID, in db: any DatabaseSession) async throws -> [LiveSession] {
        try await db.query(
            "SELECT * FROM live_sessions WHERE user_id = $1 AND state IN ('live', 'paused') ORDER BY started_at DESC",
            [.uuid(userID)]
        ).map(session(from:))
    }

    /// Saves state, pauses and name; only while the session is open, and says whether it was.
    static func update(_ session: LiveSession, in db: any DatabaseSession) async throws -> Bool {
        try await !db.query(
            """
            UPDATE live_sessions SET state = $2, timer_events = $3, name = $4, activity_id = $5, updated_at = $6
            WHERE id = $1 AND state IN ('live', 'paused') RETURNING id
            """,
            [
                .uuid(session.id), .text(session.state.rawValue), .text(encode(session.timerEvents)),
                .optional(session.name, SQLValue.text), .optional(session.activityID, SQLValue.uuid),
                .date(session.updatedAt),
            ]
        ).isEmpty
    }

    /// Open sessions that heard nothing since `cutoff`: no state change and no point received.
    static func silentSessions(since cutoff: Date, in db: any DatabaseSession) async throws -> [LiveSession] {
        let chunks =
            db.dialect == .sqlite
            ? "AND NOT EXISTS (SELECT 1 FROM live_point_chunks c WHERE c.session_id = s.id AND c.received_at >= $1)"
            : ""
        return try await db.query(
            """
            SELECT * FROM live_sessions s WHERE s.state IN ('live', 'paused') AND s.updated_at < $1
            AND NOT EXISTS (SELECT 1 FROM live_points p WHERE p.session_id = s.id AND p.received_at >= $1)
            \(chunks) ORDER BY s.updated_at LIMIT 100
            """, [.date(cutoff)]
        ).map(session(from:))
    }

    static func session(from row: SQLRow) throws -> LiveSession {
        LiveSession(
            id: try row.uuid("id"), userID: try row.uuid("user_id"),
            clientSessionID: try row.string("client_session_id"),
            sport: Sport(rawValue: try row.string("sport")) ?? .other,
            visibility: ActivityVisibility(rawValue: try row.string("visibility")) ?? .private,
            name: row.optionalString("name"), startedAt: try row.date("started_at"),
            state: LiveState(rawValue: try row.string("state")) ?? .abandoned,
            timerEvents: decode(try row.string("timer_events")), activityID: row.optionalUUID("activity_id"),
            updatedAt: try row.date("updated_at"))
    }

    /// Pauses as text: `stop@<unix seconds>` and `start@<unix seconds>`, comma-separated.
    static func encode(_ events: [TimerEvent]) -> String {
        events.map { "\($0.kind.rawValue)@\($0.time.timeIntervalSince1970)" }.joined(separator: ",")
    }

    static func decode(_ text: String) -> [TimerEvent] {
        text.split(separator: ",").compactMap { item in
            let parts = item.split(separator: "@")
            guard parts.count == 2, let kind = TimerEvent.Kind(rawValue: String(parts[0])),
                let seconds = Double(parts[1])
            else { return nil }
            return TimerEvent(time: Date(timeIntervalSince1970: seconds), kind: kind)
        }
    }

    // MARK: Points

    static let pointColumns =
        "session_id, seq, time, latitude, longitude, altitude, distance, speed, heart_rate, cadence, power, temperature, received_at"

    /// A point with its session and when it was received: a row of `live_points` or of its log.
    struct LoggedPoint: Sendable {
        var sessionID: UUID
        var live: LivePoint
        var receivedAt: Date

        var binds: [SQLValue] {
            let point = live.point
            return [
                .uuid(sessionID), .integer(live.seq), .date(point.time), .optional(point.latitude, SQLValue.real),
                .optional(point.longitude, SQLValue.real), .optional(point.altitude, SQLValue.real),
                .optional(point.distance, SQLValue.real), .optional(point.speed, SQLValue.real),
                .optional(point.heartRate, SQLValue.real), .optional(point.cadence, SQLValue.real),
                .optional(point.power, SQLValue.real), .optional(point.temperature, SQLValue.real),
                .date(receivedAt),
            ]
        }
    }

    /// Appends points of several sessions; points already stored (same session and seq) are skipped.
    /// On PostgreSQL in one prepared statement whatever their number (`InsertLivePoints`), atomic by
    /// itself; on SQLite as `insert` does (run it in a transaction).
    static func append(
        _ batches: [(sessionID: UUID, points: [LivePoint])], receivedAt: Date, in db: any DatabaseSession
    )
        async throws
    {
        guard db.dialect == .sqlite else {
            try await db.query(InsertLivePoints.self, InsertLivePoints.binds(batches, receivedAt: receivedAt))
            return
        }
        try await insert(rows(batches, receivedAt: receivedAt), in: db)
    }

    /// SQLite: points into `live_points`, sorted by key, a point at a time through one cached
    /// single-row statement, which SQLite runs without compiling anything per call; points already
    /// stored are skipped. Run it in a transaction.
    static func insert(_ rows: [LoggedPoint], in db: any DatabaseSession) async throws {
        let sorted = rows.sorted { left, right in
            left.sessionID == right.sessionID
                ? left.live.seq < right.live.seq : left.sessionID.order < right.sessionID.order
        }
        for row in sorted { try await db.query(InsertLivePoint.self, row.binds) }
    }

    /// SQLite: appends the points to `live_points_log`, in arrival order (see `LivePointWriter`).
    static func log(
        _ batches: [(sessionID: UUID, points: [LivePoint])], receivedAt: Date, in db: any DatabaseSession
    ) async throws {
        for row in rows(batches, receivedAt: receivedAt) { try await db.query(LogLivePoint.self, row.binds) }
    }

    static func rows(_ batches: [(sessionID: UUID, points: [LivePoint])], receivedAt: Date) -> [LoggedPoint] {
        batches.flatMap { batch in
            batch.points.map { LoggedPoint(sessionID: batch.sessionID, live: $0, receivedAt: receivedAt) }
        }
    }

    /// SQLite: the first and last row of `live_points_log`, nil when it is empty.
    static func logBounds(in db: any DatabaseSession) async throws -> ClosedRange<Int64>? {
        guard let row = try await db.first("SELECT min(id) AS first, max(id) AS last FROM live_points_log"),
            let first = row.optionalInt("first"), let last = row.optionalInt("last")
        else { return nil }
        return Int64(first)...Int64(last)
    }

    /// SQLite: deletes the log's rows up to `id`, which a compaction moved into `live_point_chunks`.
    static func deleteLog(through id: Int64, in db: any DatabaseSession) async throws {
        try await db.query("DELETE FROM live_points_log WHERE id <= $1", [.integer(id)])
    }

    /// SQLite at start-up: moves whatever the log holds (points that were durable when the process
    /// stopped, before a compaction moved them) into `live_point_chunks`. No-op on PostgreSQL.
    public static func recoverLog(in database: any Database) async throws {
        guard database.dialect == .sqlite else { return }
        try await database.transaction { db in
            let rows = try await db.query("SELECT * FROM live_points_log ORDER BY id").map { row in
                LoggedPoint(
                    sessionID: try row.uuid("session_id"), live: try livePoint(from: row),
                    receivedAt: try row.date("received_at"))
            }
            try await insertChunks(rows, in: db)
            try await db.query("DELETE FROM live_points_log")
        }
    }

    /// SQLite: the points as rows of `live_point_chunks`, one per session and run of at most
    /// `PointChunk.capacity` points, encoded as activities' point chunks are (with the seqs beside
    /// them): a compaction writes a row per session instead of a row, and a page, per point.
    /// A seq stored twice (two connections briefly holding one session) is read back once.
    static func insertChunks(_ rows: [LoggedPoint], in db: any DatabaseSession) async throws {
        let bySession = Dictionary(grouping: rows, by: \.sessionID)
        for session in bySession.keys.sorted(by: { $0.order < $1.order }) {
            let points = bySession[session, default: []].sorted { $0.live.seq < $1.live.seq }
            for start in stride(from: 0, to: points.count, by: PointChunk.capacity) {
                let part = points[start..<min(points.count, start + PointChunk.capacity)]
                guard let first = part.first, let last = part.last else { continue }
                try await db.query(
                    InsertLiveChunk.self,
                    [
                        .uuid(session), .integer(first.live.seq), .integer(last.live.seq),
                        .date(part.map(\.receivedAt).max() ?? first.receivedAt), .blob(seqBytes(part.map(\.live.seq))),
                        .blob(PointChunk.encode(part.map(\.live.point))),
                    ])
            }
        }
    }

    /// Seqs as stored beside a chunk's points: nothing when they run on by one from the first (the
    /// usual case), else each as a little-endian `Int64`.
    static func seqBytes(_ seqs: [Int64]) -> [UInt8] {
        guard let first = seqs.first, seqs.enumerated().contains(where: { $0.element != first + Int64($0.offset) })
        else { return [] }
        return seqs.flatMap { seq in withUnsafeBytes(of: seq.littleEndian, Array.init) }
    }

    static func seqs(_ bytes: [UInt8], first: Int64, count: Int) throws -> [Int64] {
        if bytes.isEmpty { return (0..<count).map { first + Int64($0) } }
        guard bytes.count == count * 8 else {
            throw DatabaseError(code: .decoding, message: "The seqs of a chunk of live points do not fit its points.")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
    }

    /// One chunk of a session's live points on SQLite.
    enum InsertLiveChunk: PreparedStatement {
        static let name = "stamina_insert_live_chunk"

        static func sql(_ dialect: SQLDialect) -> String {
            """
            INSERT INTO live_point_chunks (session_id, first_seq, last_seq, received_at, seqs, points)
            VALUES ($1, $2, $3, $4, $5, $6)
            """
        }
    }

    /// One live point on SQLite.
    enum InsertLivePoint: PreparedStatement {
        static let name = "stamina_insert_live_point"

        static func sql(_ dialect: SQLDialect) -> String {
            "INSERT INTO live_points (\(pointColumns)) VALUES (\(pointPlaceholders)) ON CONFLICT (session_id, seq) DO NOTHING"
        }
    }

    /// One live point into the SQLite log.
    enum LogLivePoint: PreparedStatement {
        static let name = "stamina_log_live_point"

        static func sql(_ dialect: SQLDialect) -> String {
            "INSERT INTO live_points_log (\(pointColumns)) VALUES (\(pointPlaceholders))"
        }
    }

    static let pointPlaceholders = (1...13).map { "$\($0)" }.joined(separator: ", ")

    /// Live points on PostgreSQL in one statement, unnested from one array literal per column (sent as
    /// text): parsed and planned once per connection, one round trip for any batch.
    enum InsertLivePoints: PreparedStatement {
        static let name = "stamina_insert_live_points"

        static func sql(_ dialect: SQLDialect) -> String {
            let reals = (4...12).map { "$\($0)::text::float8[]" }.joined(separator: ", ")
            return """
                INSERT INTO live_points (\(pointColumns))
                SELECT p.session::uuid, p.seq, TIMESTAMPTZ 'epoch' + p.time * INTERVAL '1 microsecond', p.latitude,
                    p.longitude, p.altitude, p.distance, p.speed, p.heart_rate, p.cadence, p.power, p.temperature,
                    $13::timestamptz
                FROM unnest($1::text::text[], $2::text::bigint[], $3::text::bigint[], \(reals))
                    AS p (session, seq, time, latitude, longitude, altitude, distance, speed, heart_rate, cadence, power,
                        temperature)
                ON CONFLICT (session_id, seq) DO NOTHING
                """
        }

        /// Sessions, seqs, times (microseconds since 1970) and each optional value as array literals.
        static func binds(_ batches: [(sessionID: UUID, points: [LivePoint])], receivedAt: Date) -> [SQLValue] {
            let points = batches.flatMap { batch in batch.points.map { (batch.sessionID, $0) } }
            func literal(_ items: [String]) -> SQLValue { .text("{" + items.joined(separator: ",") + "}") }
            func reals(_ value: (TrackPoint) -> Double?) -> SQLValue {
                literal(points.map { value($0.1.point).map { "\($0)" } ?? "NULL" })
            }
            return [
                literal(points.map { $0.0.uuidString }), literal(points.map { "\($0.1.seq)" }),
                literal(points.map { "\(Int64(($0.1.point.time.timeIntervalSince1970 * 1_000_000).rounded()))" }),
                reals(\.latitude), reals(\.longitude), reals(\.altitude), reals(\.distance), reals(\.speed),
                reals(\.heartRate), reals(\.cadence), reals(\.power), reals(\.temperature), .date(receivedAt),
            ]
        }
    }

    /// The session's points in seq order, optionally only those strictly between `after` and
    /// `before`, each seq once: rows of `live_points` and, on SQLite, chunks of `live_point_chunks`.
    static func points(sessionID: UUID, after: Int64 = 0, before: Int64 = .max, in db: any DatabaseSession)
        async throws -> [LivePoint]
    {
        var points = try await db.query(
            "SELECT * FROM live_points WHERE session_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq",
            [.uuid(sessionID), .integer(after), .integer(before)]
        ).map(livePoint(from:))
        guard db.dialect == .sqlite else { return points }
        let chunks = try await db.query(
            """
            SELECT first_seq, seqs, points FROM live_point_chunks
            WHERE session_id = $1 AND last_seq > $2 AND first_seq < $3 ORDER BY first_seq
            """, [.uuid(sessionID), .integer(after), .integer(before)])
        guard !chunks.isEmpty else { return points }
        for chunk in chunks {
            guard case .blob(let data) = chunk["points"], case .blob(let seqData) = chunk["seqs"] else {
                throw DatabaseError(code: .decoding, message: "A chunk of live points has no data.")
            }
            let decoded = try PointChunk.decode(data)
            let seqs = try seqs(seqData, first: Int64(try chunk.int("first_seq")), count: decoded.count)
            for (seq, point) in zip(seqs, decoded) where seq > after && seq < before {
                points.append(LivePoint(seq: seq, point: point))
            }
        }
        var seen = Set<Int64>()
        return points.sorted { $0.seq < $1.seq }.filter { seen.insert($0.seq).inserted }
    }

    static func livePoint(from row: SQLRow) throws -> LivePoint {
        var point = TrackPoint(time: try row.date("time"))
        point.latitude = row.optionalDouble("latitude")
        point.longitude = row.optionalDouble("longitude")
        point.altitude = row.optionalDouble("altitude")
        point.distance = row.optionalDouble("distance")
        point.speed = row.optionalDouble("speed")
        point.heartRate = row.optionalDouble("heart_rate")
        point.cadence = row.optionalDouble("cadence")
        point.power = row.optionalDouble("power")
        point.temperature = row.optionalDouble("temperature")
        return LivePoint(seq: Int64(try row.int("seq")), point: point)
    }

    static func deletePoints(sessionID: UUID, in db: any DatabaseSession) async throws {
        try await db.query("DELETE FROM live_points WHERE session_id = $1", [.uuid(sessionID)])
        if db.dialect == .sqlite {
            try await db.query("DELETE FROM live_point_chunks WHERE session_id = $1", [.uuid(sessionID)])
        }
    }

    // MARK: Shares

    static func insert(_ share: LiveShare, tokenHash: String, in db: any DatabaseSession) async throws {
        try await db.query(
            "INSERT INTO live_shares (id, session_id, token_hash, created_at) VALUES ($1, $2, $3, $4)",
            [.uuid(share.id), .uuid(share.sessionID), .text(tokenHash), .date(share.createdAt)])
    }

    static func shares(sessionID: UUID, in db: any DatabaseSession) async throws -> [LiveShare] {
        try await db.query(
            "SELECT * FROM live_shares WHERE session_id = $1 ORDER BY created_at, id", [.uuid(sessionID)]
        ).map(share(from:))
    }

    /// The unrevoked share with this token hash, if any.
    static func share(tokenHash: String, in db: any DatabaseSession) async throws -> LiveShare? {
        try await db.first(
            "SELECT * FROM live_shares WHERE token_hash = $1 AND revoked_at IS NULL", [.text(tokenHash)]
        ).map(share(from:))
    }

    /// Revokes the share; false when there is no such unrevoked share of this session.
    static func revoke(shareID: UUID, sessionID: UUID, at time: Date, in db: any DatabaseSession) async throws -> Bool {
        try await !db.query(
            """
            UPDATE live_shares SET revoked_at = $3 WHERE id = $1 AND session_id = $2 AND revoked_at IS NULL
            RETURNING id
            """, [.uuid(shareID), .uuid(sessionID), .date(time)]
        ).isEmpty
    }

    static func share(from row: SQLRow) throws -> LiveShare {
        LiveShare(
            id: try row.uuid("id"), sessionID: try row.uuid("session_id"), createdAt: try row.date("created_at"),
            revokedAt: row.optionalDate("revoked_at"))
    }
}

extension UUID {
    /// The UUID's bytes as two big-endian numbers: they sort as its text does, the order of keys
    /// that begin with a session id, without making the text.
    var order: (UInt64, UInt64) {
        withUnsafeBytes(of: uuid) { bytes in
            (
                UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
    }
}
