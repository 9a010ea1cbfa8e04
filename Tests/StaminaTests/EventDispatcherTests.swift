import EventLog
import Foundation
import Logging
import Persistence
import Synchronization
import Testing

/// The in-process dispatcher against both databases, with consumers that count and that fail.
@Suite("Event dispatcher")
struct EventDispatcherTests {
    struct Tick: DomainEvent, Equatable {
        static let eventType = "Tick"
        static let aggregateType = "test"
        var id: UUID
        var poison = false
        var aggregateID: UUID { id }
    }

    /// Counts ticks in a table; fails on poison ticks while `failing` is set.
    final class Counter: EventConsumer {
        let name: String
        let failing: Mutex<Bool>

        init(name: String, failing: Bool = true) {
            self.name = name
            self.failing = Mutex(failing)
        }

        func apply(_ event: EventEnvelope, in session: any DatabaseSession) async throws {
            let tick = try JSONDecoder().decode(Tick.self, from: Data(event.payload.utf8))
            if tick.poison && failing.withLock({ $0 }) { throw TestSetupError("poison") }
            try await session.query(
                """
                INSERT INTO tick_counts (consumer, ticks) VALUES ($1, 1)
                ON CONFLICT (consumer) DO UPDATE SET ticks = tick_counts.ticks + 1
                """, [.text(name)])
        }

        func reset(in session: any DatabaseSession) async throws {
            try await session.query("DELETE FROM tick_counts WHERE consumer = $1", [.text(name)])
        }
    }

    static func ticks(_ consumer: String, in database: any Database) async throws -> Int {
        try await database.read {
            try await $0.first("SELECT ticks FROM tick_counts WHERE consumer = $1", [.text(consumer)])?.int("ticks")
                ?? 0
        }
    }

    func withCounters(_ backend: Backend, _ body: @escaping @Sendable (any Database) async throws -> Void) async throws
    {
        try await TestDatabase.with(backend) { database in
            try await database.transaction {
                try await $0.query("CREATE TABLE tick_counts (consumer TEXT PRIMARY KEY, ticks BIGINT NOT NULL)")
            }
            try await body(database)
        }
    }

    func append(_ ticks: [Tick], to database: any Database) async throws {
        _ = try await database.transaction { try await Outbox().append(ticks, in: $0) }
    }

    @Test("every event is applied once per consumer, and a second dispatcher adds nothing", arguments: Backend.allCases)
    func exactlyOnceInEffect(backend: Backend) async throws {
        try await withCounters(backend) { database in
            try await append((0..<1_234).map { _ in Tick(id: UUID()) }, to: database)
            let consumers: [any EventConsumer] = [Counter(name: "a"), Counter(name: "b")]
            let first = EventDispatcher(database: database, consumers: consumers, logger: TestDatabase.logger)
            let second = EventDispatcher(database: database, consumers: consumers, logger: TestDatabase.logger)
            async let one: Void = first.drain()
            async let two: Void = second.drain()
            _ = try await (one, two)
            #expect(try await Self.ticks("a", in: database) == 1_234)
            #expect(try await Self.ticks("b", in: database) == 1_234)
            #expect(try await database.read { try await ConsumerStore.position(of: "a", in: $0) } == 1_234)
        }
    }

    @Test(
        "a poison event goes to the dead letters after its retries, and replays once fixed", arguments: Backend.allCases
    )
    func deadLetters(backend: Backend) async throws {
        try await withCounters(backend) { database in
            try await append([Tick(id: UUID()), Tick(id: UUID(), poison: true), Tick(id: UUID())], to: database)
            let counter = Counter(name: "c")
            var configuration = DispatcherConfiguration()
            configuration.initialBackoff = .milliseconds(1)
            configuration.maxAttempts = 3
            let dispatcher = EventDispatcher(
                database: database, consumers: [counter], configuration: configuration, logger: TestDatabase.logger)
            try await dispatcher.drain()
            #expect(try await Self.ticks("c", in: database) == 2)
            let letters = try await database.read { try await ConsumerStore.deadLetters(in: $0) }
            #expect(letters.map(\.position) == [2])
            #expect(letters.first?.attempts == 3)
            counter.failing.withLock { $0 = false }
            try await dispatcher.replay(consumer: "c", position: 2)
            #expect(try await Self.ticks("c", in: database) == 3)
            #expect(try await database.read { try await ConsumerStore.deadLetters(in: $0) }.isEmpty)
        }
    }

    @Test("the running dispatcher delivers right after a commit, and a rebuild equals it", arguments: Backend.allCases)
    func liveDeliveryAndRebuild(backend: Backend) async throws {
        try await withCounters(backend) { database in
            let dispatcher = EventDispatcher(
                database: database, consumers: [Counter(name: "live", failing: false)], logger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await dispatcher.run() }
                for _ in 0..<5 { try await append([Tick(id: UUID())], to: database) }
                let deadline = Date().addingTimeInterval(10)
                while try await Self.ticks("live", in: database) < 5 && Date() < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                group.cancelAll()
            }
            #expect(try await Self.ticks("live", in: database) == 5)
            try await dispatcher.rebuild(consumer: "live")
            #expect(try await Self.ticks("live", in: database) == 5)
        }
    }

    @Test("on PostgreSQL a commit made through another pool (as by another process) wakes the dispatcher at once")
    func notifiedAcrossProcesses() async throws {
        let (configuration, cleanup) = try await TestDatabase.configuration(.postgres)
        let here = try await configuration.open(logger: TestDatabase.logger)
        let elsewhere = try await configuration.open(logger: TestDatabase.logger)
        try await withRunning([here, elsewhere]) {
            try await here.transaction {
                try await $0.query("CREATE TABLE tick_counts (consumer TEXT PRIMARY KEY, ticks BIGINT NOT NULL)")
            }
            var patient = DispatcherConfiguration()
            patient.pollInterval = .seconds(600)  // only a notification can wake it within the test
            let dispatcher = EventDispatcher(
                database: here, consumers: [Counter(name: "woken", failing: false)], configuration: patient,
                logger: TestDatabase.logger)
            try await withRunning([dispatcher]) {
                try await Task.sleep(for: .milliseconds(500))
                try await append([Tick(id: UUID())], to: elsewhere)
                let deadline = ContinuousClock.now + .seconds(30)
                while try await Self.ticks("woken", in: here) < 1 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try await Self.ticks("woken", in: here) == 1)
            }
        }
        await cleanup()
    }

    /// Waits up to 10 s for `condition`.
    static func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    struct RolledBack: Error {}

    /// Runs `body` with two pools on one fresh PostgreSQL database, as two processes would hold
    /// them, once the observer's commit listener has started. The observer writes nothing: its
    /// commit signal moves only for notifications (and once when its listener starts).
    func withWriterAndObserver(_ body: (_ writer: any Database, _ observer: any Database) async throws -> Void)
        async throws
    {
        let (configuration, cleanup) = try await TestDatabase.configuration(.postgres)
        let writer = try await configuration.open(logger: TestDatabase.logger)
        let observer = try await configuration.open(logger: TestDatabase.logger)
        try await withRunning([writer, observer]) {
            try await Self.eventually { observer.commits.generation >= 1 }
            try await body(writer, observer)
        }
        await cleanup()
    }

    @Test("on PostgreSQL a commit that appended events notifies the other processes, a rollback does not")
    func notifiedAfterCommit() async throws {
        try await withWriterAndObserver { writer, observer in
            let before = observer.commits.generation
            await #expect(throws: RolledBack.self) {
                try await writer.transaction { session in
                    try await Outbox().append([Tick(id: UUID())], in: session)
                    throw RolledBack()
                }
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(observer.commits.generation == before)

            try await append([Tick(id: UUID())], to: writer)
            try await Self.eventually { observer.commits.generation > before }
            #expect(observer.commits.generation > before)

            // A single-statement write (autocommit, no transaction) notifies too.
            let afterTransaction = observer.commits.generation
            _ = try await writer.autocommit { try await Outbox().append([Tick(id: UUID())], in: $0) }
            try await Self.eventually { observer.commits.generation > afterTransaction }
            #expect(observer.commits.generation > afterTransaction)
        }
    }

    @Test("on PostgreSQL the commit listener reconnects after its connection is lost, and is woken again")
    func listenerReconnects() async throws {
        try await withWriterAndObserver { writer, observer in
            // Every other connection to the test database goes, the observer's listener with them.
            _ = try await writer.autocommit { session in
                try await session.query(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()
                    """)
            }
            let before = observer.commits.generation
            // The listener signals once when it is back; events appended after that wake it again.
            try await Self.eventually { observer.commits.generation > before }
            let reconnected = observer.commits.generation
            #expect(reconnected > before)
            try await append([Tick(id: UUID())], to: writer)
            try await Self.eventually { observer.commits.generation > reconnected }
            #expect(observer.commits.generation > reconnected)
        }
    }
}
