import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The distributed database: PostgreSQL 15+ through a PostgresNIO connection pool.
public final class PostgresDatabase: Database {
    public let dialect = SQLDialect.postgres
    public let commits = CommitSignal()
    private let client: PostgresClient
    /// Signalled by `run()` right before it runs the pool. A lease waits for it (a second at most):
    /// one made earlier, say by migrations racing the pool's start, would wait for the pool all the
    /// same, but PostgresNIO logs a warning about it.
    private let started = CommitSignal()
    /// The commit listener's own connection (outside the pool, so that it can be closed on shutdown).
    private let listenerConfiguration: PostgresConnection.Configuration
    /// Whether `run()` listens for other processes' commits (see `commitChannel`).
    private let listensForCommits: Bool
    /// Notifies `commitChannel` after commits of sessions that appended events.
    private let announcer: CommitAnnouncer
    private let url: String
    private let logger: Logger

    /// Creates a pool for a `postgres://user:password@host:port/database?sslmode=…` URL.
    ///
    /// No connection is made until the database runs (`run()`) and is first used.
    public init(
        url: String, maxConnections: Int = 20, listensForCommits: Bool = true, logger: Logger
    ) throws(DatabaseError) {
        guard let components = URLComponents(string: url), let host = components.host,
            ["postgres", "postgresql"].contains(components.scheme ?? "")
        else {
            throw DatabaseError(code: .configuration, message: "not a postgres:// URL: \(Self.redacted(url))")
        }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw DatabaseError(code: .configuration, message: "unknown sslmode \(sslMode)")
        }
        let database = String(components.path.drop { $0 == "/" })
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user?.removingPercentEncoding ?? "postgres",
            password: components.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        configuration.options.maximumConnections = maxConnections
        configuration.options.minimumConnections = 0
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let listenerTLS: PostgresConnection.Configuration.TLS
        do {
            let context = try NIOSSLContext(configuration: .makeClientConfiguration())
            listenerTLS =
                sslMode == "disable" ? .disable : sslMode.hasPrefix("require") ? .require(context) : .prefer(context)
        } catch {
            throw DatabaseError(code: .configuration, message: "cannot set up TLS", cause: error)
        }
        self.listenerConfiguration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: listenerTLS)
        self.listensForCommits = listensForCommits
        let client = self.client
        self.announcer = CommitAnnouncer(spacing: .milliseconds(5)) {
            do {
                try await client.withConnection { connection in
                    _ = try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT pg_notify('\(Self.commitChannel)', '')"), logger: logger)
                }
            } catch {
                // Other processes see the events at their next poll instead.
                logger.debug("commit notification not sent", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        self.url = url
        self.logger = logger
    }

    /// Another pool on the same database with `connections` of its own and no commit listener: for
    /// a writer whose statements must not queue behind request traffic for this pool's connections
    /// (the live point writer during a mass start waited there for up to a second a batch). Run it
    /// as a service like this one.
    public func dedicatedPool(connections: Int) throws(DatabaseError) -> PostgresDatabase {
        try PostgresDatabase(url: url, maxConnections: connections, listensForCommits: false, logger: logger)
    }

    /// The URL with its password replaced, for logs and error messages.
    public static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// The channel notified after commits that appended events: every process listens on it and
    /// signals `commits`, so a commit anywhere wakes the dispatchers everywhere.
    public static let commitChannel = "stamina_commits"

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                self.started.signal()
                await self.client.run()
            }
            if self.listensForCommits {
                group.addTask { await cancelWhenGracefulShutdown { await self.listenForCommits() } }
            }
        }
    }

    /// Holds a connection of its own listening on `commitChannel` and turns each notification into a
    /// commit signal; reconnects with backoff. Ends when the task is cancelled (closing the connection).
    ///
    /// Not through `PostgresConnection.addListener`, whose handler runs on the event loop without a
    /// task per notification: PostgresNIO 1.33 traps when such a listener is released with its
    /// connection (a precondition in `NotificationListener`'s deinit), which crashed a test run.
    private func listenForCommits() async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: listenerConfiguration, id: 0, logger: logger)
                var failure: (any Error)?
                do {
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: Self.commitChannel) { notifications in
                            // Commits made while no one listened are picked up by this first wake-up.
                            self.commits.signal()
                            for try await _ in notifications { self.commits.signal() }
                        }
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    }
                } catch {
                    failure = error
                }
                try? await connection.close()
                if let failure { throw failure }
                backoff = .milliseconds(100)
            } catch {
                if Task.isCancelled { return }
                logger.debug("commit listener lost its connection", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        await started.wait(after: 0, timeout: .seconds(1))
        let appended = EventsAppended()
        // A statement outside a transaction commits as it ends: what it appended is in the log even
        // when a later one fails.
        defer {
            if appended.flag.load(ordering: .relaxed) {
                commits.signal()
                announcer.announce()
            }
        }
        do {
            return try await client.withConnection { connection in
                try await body(PostgresSession(connection: connection, logger: self.logger, appended: appended))
            }
        } catch let error as PSQLError {
            throw PostgresSession.wrap(error)
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        await started.wait(after: 0, timeout: .seconds(1))
        let appended = EventsAppended()
        defer { if appended.flag.load(ordering: .relaxed) { commits.signal() } }
        do {
            let result = try await client.withTransaction(logger: logger) { connection in
                try await body(PostgresSession(connection: connection, logger: self.logger, appended: appended))
            }
            if appended.flag.load(ordering: .relaxed) { announcer.announce() }
            return result
        } catch let error as PostgresTransactionError {
            // Surface the closure's own error (a domain error) rather than the wrapper.
            if let closureError = error.closureError { throw closureError }
            throw DatabaseError(code: .query, message: "transaction failed", cause: error)
        } catch let error as PSQLError {
            throw PostgresSession.wrap(error)
        }
    }
}

/// Notifies `PostgresDatabase.commitChannel` for commits that appended events, at most once per
/// `spacing`: the first commit after a quiet spell is announced at once; those during a send or the
/// `spacing` after it are announced together by one more send when it has passed, so none is left
/// out (a send that fails is logged, and other processes see those commits at their next poll).
/// Inside each appending transaction (a `pg_notify` of its own) the notification cost every
/// listening process a wake-up per event, and the writer about a tenth of its latency at a few
/// thousand events a second on a 2-core machine.
final class CommitAnnouncer: Sendable {
    private struct State {
        /// A send, or the rest after it, is under way.
        var sending = false
        /// A commit came during it.
        var again = false
    }

    private let state = Mutex(State())
    private let spacing: Duration
    private let send: @Sendable () async -> Void

    init(spacing: Duration, send: @escaping @Sendable () async -> Void) {
        self.spacing = spacing
        self.send = send
    }

    /// Announces a commit that has happened.
    func announce() {
        let idle = state.withLock { state in
            if state.sending { state.again = true }
            defer { state.sending = true }
            return !state.sending
        }
        if idle { Task { await sendWhileAsked() } }
    }

    private func sendWhileAsked() async {
        repeat {
            await send()
            try? await Task.sleep(for: spacing)
        } while state.withLock { state in
            defer { (state.sending, state.again) = (state.again, false) }
            return state.again
        }
    }
}

struct PostgresSession: DatabaseSession {
    let connection: PostgresConnection
    let logger: Logger
    let appended: EventsAppended
    var dialect: SQLDialect { .postgres }

    func announceCommit() { appended.flag.store(true, ordering: .relaxed) }

    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws(DatabaseError) -> [SQLRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            Self.append(value, to: &bindings)
        }
        do {
            return try await Self.rows(
                connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger))
        } catch let error as PSQLError {
            throw Self.wrap(error)
        } catch {
            throw DatabaseError(code: .query, message: "PostgreSQL statement failed", cause: error)
        }
    }

    /// Runs the statement as a named server-side statement, prepared on this connection by its first use.
    @discardableResult
    func query<Statement: PreparedStatement>(_ statement: Statement.Type, _ binds: [SQLValue])
        async throws(DatabaseError) -> [SQLRow]
    {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            Self.append(value, to: &bindings)
        }
        do {
            return try await Self.rows(
                connection.execute(NamedStatement<Statement>(bindings: bindings), logger: logger))
        } catch let error as PSQLError {
            throw Self.wrap(error)
        } catch {
            throw DatabaseError(code: .query, message: "PostgreSQL statement \(Statement.name) failed", cause: error)
        }
    }

    /// Collects a statement's rows, decoding every cell.
    private static func rows<Rows: AsyncSequence>(_ sequence: Rows) async throws -> [SQLRow]
    where Rows.Element == PostgresRow {
        var rows: [SQLRow] = []
        var columns: SQLColumns?
        for try await row in sequence {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for cell in row {
                values.append(Self.decode(cell))
            }
            if columns == nil { columns = SQLColumns(row.map(\.columnName)) }
            rows.append(SQLRow(columns: columns!, values: values))
        }
        return rows
    }

    func bulkInsert(table: String, columns: [String], rows: [[SQLValue]]) async throws(DatabaseError) {
        guard !rows.isEmpty else { return }
        do {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 16)
                for row in rows {
                    CopyText.append(row, to: &buffer)
                    if buffer.readableBytes >= 1 << 16 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
        } catch let error as PSQLError {
            throw Self.wrap(error)
        } catch {
            throw DatabaseError(code: .query, message: "PostgreSQL COPY into \(table) failed", cause: error)
        }
    }

    static func wrap(_ error: PSQLError) -> DatabaseError {
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "PostgreSQL error"
            let code: DatabaseError.Code = state == "23505" ? .uniqueViolation : .query
            return DatabaseError(code: code, message: "\(message) (SQLSTATE \(state))", cause: error)
        }
        return DatabaseError(code: .unavailable, message: "PostgreSQL is unreachable", cause: error)
    }

    static func append(_ value: SQLValue, to bindings: inout PostgresBindings) {
        switch value {
        case .null: bindings.appendNull()
        case .integer(let value): bindings.append(value)
        case .real(let value): bindings.append(value)
        case .text(let value): bindings.append(value)
        case .bool(let value): bindings.append(value)
        case .uuid(let value): bindings.append(value)
        case .date(let value): bindings.append(value)
        case .blob(let value): bindings.append(ByteBuffer(bytes: value))
        case .json(let value): bindings.append(JSONBText(text: value))
        }
    }

    static func decode(_ cell: PostgresCell) -> SQLValue {
        guard var bytes = cell.bytes else { return .null }
        do {
            switch cell.dataType {
            case .bool: return .bool(try cell.decode(Bool.self))
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .numeric: return .real(try cell.decode(Double.self))
            case .uuid: return .uuid(try cell.decode(UUID.self))
            case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
            case .bytea: return .blob(Array(bytes.readableBytesView))
            case .jsonb where cell.format == .binary:
                bytes.moveReaderIndex(forwardBy: 1)
                return .json(bytes.readString(length: bytes.readableBytes) ?? "")
            case .json, .jsonb: return .json(bytes.readString(length: bytes.readableBytes) ?? "")
            default: return .text(try cell.decode(String.self))
            }
        } catch {
            return .text(bytes.readString(length: bytes.readableBytes) ?? "")
        }
    }
}

/// A `PreparedStatement` as PostgresNIO runs it: prepared once per connection under its name.
private struct NamedStatement<Statement: PreparedStatement>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var name: String { Statement.name }
    static var sql: String { Statement.postgresSQL }
    let bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

/// A JSON document bound as `jsonb` (binary format: version byte 1, then the text).
private struct JSONBText: PostgresNonThrowingEncodable {
    let text: String
    static var psqlType: PostgresDataType { .jsonb }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        buffer.writeInteger(UInt8(1))
        buffer.writeString(text)
    }
}
