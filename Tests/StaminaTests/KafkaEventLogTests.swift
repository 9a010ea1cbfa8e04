import EventLog
import Foundation
import Kafka
import Logging
import Persistence
import ServiceLifecycle
import Testing

/// Outbox → relay → Kafka (librdkafka's mock cluster: 3 brokers, 4 partitions) → projector, with
/// faults. Each time the read model must end up exactly as if nothing had happened: every entry
/// applied once, each account's entries in order.
@Suite("Kafka event log")
struct KafkaEventLogTests {
    struct Entry: DomainEvent {
        static let eventType = "LedgerEntry"
        static let aggregateType = "account"
        var account: UUID
        var sequence: Int
        var aggregateID: UUID { account }
    }

    /// Per account: how many entries were applied, the last sequence, and how many came out of order.
    struct Ledger: EventConsumer {
        let name: String

        func apply(_ event: EventEnvelope, in session: any DatabaseSession) async throws {
            let entry = try JSONDecoder().decode(Entry.self, from: Data(event.payload.utf8))
            try await session.query(
                """
                INSERT INTO ledger (consumer, account, entries, last_sequence, out_of_order)
                VALUES ($1, $2, 1, $3, CASE WHEN $3 = 1 THEN 0 ELSE 1 END)
                ON CONFLICT (consumer, account) DO UPDATE SET entries = ledger.entries + 1,
                    out_of_order = ledger.out_of_order + CASE WHEN excluded.last_sequence = ledger.last_sequence + 1 THEN 0 ELSE 1 END,
                    last_sequence = excluded.last_sequence
                """, [.text(name), .text(entry.account.uuidString), .int(entry.sequence)])
        }

        func reset(in session: any DatabaseSession) async throws {
            try await session.query("DELETE FROM ledger WHERE consumer = $1", [.text(name)])
        }
    }

    struct Balance: Equatable, CustomStringConvertible {
        var entries: Int
        var lastSequence: Int
        var outOfOrder: Int
        var description: String { "\(entries)/\(lastSequence)/\(outOfOrder)" }
    }

    static let topic = "test.ledger"

    /// Client settings that make recovery and group membership quick in tests.
    static let quickClient = [
        "reconnect.backoff.max.ms": "500", "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
        "fetch.wait.max.ms": "100",
    ]

    /// A database with the ledger table, a mock cluster with the topic, and the event log's configuration.
    func withCluster(
        _ backend: Backend,
        _ body: @escaping @Sendable (any Database, KafkaMockCluster, KafkaEventLogConfiguration) async throws -> Void
    ) async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        defer { cluster.destroy() }
        try cluster.createTopic(Self.topic, partitions: 4, replicationFactor: 3)
        var configuration = KafkaEventLogConfiguration(
            kafka: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, properties: Self.quickClient),
            topics: EventTopics(prefix: "test", contexts: ["account": "ledger"]))
        // The mock cluster has no admin API; the topic is made above.
        configuration.createTopics = false
        try await withLedger(backend) { [configuration] database in try await body(database, cluster, configuration) }
    }

    /// A fresh database of `backend` with the ledger table.
    func withLedger(_ backend: Backend, _ body: @escaping @Sendable (any Database) async throws -> Void) async throws {
        try await TestDatabase.with(backend) { database in
            try await database.transaction {
                try await $0.query(
                    """
                    CREATE TABLE ledger (consumer TEXT NOT NULL, account TEXT NOT NULL, entries BIGINT NOT NULL,
                        last_sequence BIGINT NOT NULL, out_of_order BIGINT NOT NULL, PRIMARY KEY (consumer, account))
                    """)
            }
            try await body(database)
        }
    }

    /// Appends entries `sequences` for every account, one transaction per sequence number.
    func write(_ accounts: [UUID], _ sequences: ClosedRange<Int>, to database: any Database) async throws {
        for sequence in sequences {
            try await database.transaction { session in
                try await Outbox().append(accounts.map { Entry(account: $0, sequence: sequence) }, in: session)
            }
        }
    }

    static func balances(_ consumer: String, in database: any Database) async throws -> [String: Balance] {
        try await database.read { session in
            var balances: [String: Balance] = [:]
            for row in try await session.query("SELECT * FROM ledger WHERE consumer = $1", [.text(consumer)]) {
                balances[try row.string("account")] = Balance(
                    entries: try row.int("entries"), lastSequence: try row.int("last_sequence"),
                    outOfOrder: try row.int("out_of_order"))
            }
            return balances
        }
    }

    static func expected(_ accounts: [UUID], through last: Int) -> [String: Balance] {
        Dictionary(
            uniqueKeysWithValues: accounts.map {
                ($0.uuidString, Balance(entries: last, lastSequence: last, outOfOrder: 0))
            })
    }

    /// Waits until the ledger equals `expected` (at most 90 s) and returns the ledger.
    static func settle(_ consumer: String, _ expected: [String: Balance], in database: any Database) async throws
        -> [String: Balance]
    {
        let deadline = ContinuousClock.now + .seconds(90)
        var balances = try await balances(consumer, in: database)
        while balances != expected && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            balances = try await Self.balances(consumer, in: database)
        }
        return balances
    }

    /// Expects the ledger to settle at `last` entries per account, all in order.
    static func expectSettled(_ accounts: [UUID], through last: Int, in database: any Database) async throws {
        let settled = try await settle("ledger", expected(accounts, through: last), in: database)
        #expect(settled == expected(accounts, through: last))
    }

    func relay(_ database: any Database, _ configuration: KafkaEventLogConfiguration) -> KafkaEventRelay {
        KafkaEventRelay(
            database: database, configuration: configuration, health: KafkaRelayHealth(),
            pollInterval: .milliseconds(200),
            logger: TestDatabase.logger)
    }

    func projector(_ database: any Database, _ configuration: KafkaEventLogConfiguration, _ name: String)
        -> KafkaEventProjector
    {
        KafkaEventProjector(
            database: database, consumer: Ledger(name: name), configuration: configuration, logger: TestDatabase.logger)
    }

    @Test(
        "a round trip through three brokers and four partitions applies every event once, in order per key; a rebuild equals it",
        arguments: Backend.allCases)
    func roundTrip(backend: Backend) async throws {
        try await withCluster(backend) { database, _, configuration in
            let accounts = (0..<8).map { _ in UUID() }
            try await write(accounts, 1...40, to: database)
            try await withRunning([relay(database, configuration), projector(database, configuration, "ledger")]) {
                try await write(accounts, 41...60, to: database)
                try await Self.expectSettled(accounts, through: 60, in: database)
            }
            let head = try await database.read { try await Outbox.head(in: $0) }
            #expect(
                try await database.read { try await ConsumerStore.position(of: KafkaEventRelay.positionName, in: $0) }
                    == head)
            let streams = try await database.read {
                try await $0.query("SELECT stream FROM consumer_positions WHERE consumer = 'ledger'").map {
                    try $0.string("stream")
                }
            }
            #expect(Set(streams).count > 1, "events of eight accounts spread over several partitions")
            try await EventDispatcher(
                database: database, consumers: [Ledger(name: "ledger")], logger: TestDatabase.logger
            )
            .rebuild(consumer: "ledger")
            #expect(try await Self.balances("ledger", in: database) == Self.expected(accounts, through: 60))
        }
    }

    @Test("a broker taken down mid-stream and brought back loses nothing")
    func brokerDown() async throws {
        try await withCluster(.postgres) { database, cluster, configuration in
            let accounts = (0..<6).map { _ in UUID() }
            try await write(accounts, 1...20, to: database)
            try await withRunning([relay(database, configuration), projector(database, configuration, "ledger")]) {
                _ = try await Self.settle("ledger", Self.expected(accounts, through: 20), in: database)
                try cluster.setBrokerDown(1)
                try await write(accounts, 21...40, to: database)
                try await Task.sleep(for: .seconds(2))
                try cluster.setBrokerUp(1)
                try await write(accounts, 41...50, to: database)
                try await Self.expectSettled(accounts, through: 50, in: database)
            }
        }
    }

    @Test("injected produce, fetch and offset-commit errors neither lose nor double an event")
    func injectedErrors() async throws {
        try await withCluster(.postgres) { database, cluster, configuration in
            let accounts = (0..<6).map { _ in UUID() }
            // Produce (0): NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT; Fetch (1): NOT_LEADER_FOR_PARTITION;
            // OffsetCommit (8): REBALANCE_IN_PROGRESS.
            try cluster.pushRequestErrors(apiKey: 0, errors: [6, 7, 6, 7])
            try cluster.pushRequestErrors(apiKey: 1, errors: [6, 6])
            try cluster.pushRequestErrors(apiKey: 8, errors: [27, 27, 27])
            try await withRunning([relay(database, configuration), projector(database, configuration, "ledger")]) {
                for batch in 0..<5 {
                    try await write(accounts, batch * 10 + 1...batch * 10 + 10, to: database)
                    try cluster.pushRequestErrors(apiKey: 0, errors: [6, 7])
                }
                try await Self.expectSettled(accounts, through: 50, in: database)
            }
        }
    }

    @Test("a relay that publishes everything again and a consumer restarted before committing change nothing")
    func redelivery() async throws {
        try await withCluster(.postgres) { database, cluster, configuration in
            let accounts = (0..<4).map { _ in UUID() }
            try await write(accounts, 1...30, to: database)
            // Commits fail, so the restarted consumer gets every message again.
            try cluster.pushRequestErrors(apiKey: 8, errors: Array(repeating: 27, count: 50))
            try await withRunning([relay(database, configuration), projector(database, configuration, "ledger")]) {
                _ = try await Self.settle("ledger", Self.expected(accounts, through: 30), in: database)
            }
            // As if the relay had crashed after the brokers' acknowledgement, before marking.
            try await database.transaction {
                try await ConsumerStore.setPosition(0, of: KafkaEventRelay.positionName, in: $0)
            }
            try await write(accounts, 31...40, to: database)
            try await withRunning([relay(database, configuration), projector(database, configuration, "ledger")]) {
                try await Self.expectSettled(accounts, through: 40, in: database)
                // Give duplicates still in flight the time to arrive, then check again.
                try await Task.sleep(for: .seconds(2))
                #expect(try await Self.balances("ledger", in: database) == Self.expected(accounts, through: 40))
            }
        }
    }

    @Test("two members of one group share the partitions; when one leaves, the other takes over")
    func rebalance() async throws {
        try await withCluster(.postgres) { database, _, configuration in
            let accounts = (0..<8).map { _ in UUID() }
            try await withRunning([relay(database, configuration), projector(database, configuration, "ledger")]) {
                try await withThrowingTaskGroup(of: Void.self) { second in
                    second.addTask { try await projector(database, configuration, "ledger").run() }
                    try await write(accounts, 1...30, to: database)
                    _ = try await Self.settle("ledger", Self.expected(accounts, through: 30), in: database)
                    second.cancelAll()
                }
                try await write(accounts, 31...50, to: database)
                try await Self.expectSettled(accounts, through: 50, in: database)
            }
        }
    }

    /// Polls `condition` every 100 ms for at most 60 s; returns whether it came to hold.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        return condition()
    }

    /// The relay's position once it reaches `position` (or after 60 s).
    static func relayed(atLeast position: Int64, in database: any Database) async throws -> Int64 {
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let relayed = try await database.read {
                try await ConsumerStore.position(of: KafkaEventRelay.positionName, in: $0)
            }
            if relayed >= position || ContinuousClock.now > deadline { return relayed }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test("the relay reports Kafka unreachable while every broker is down (readiness), and reachable once back")
    func relayHealth() async throws {
        try await withCluster(.sqlite) { database, cluster, configuration in
            let accounts = [UUID()]
            let health = KafkaRelayHealth()
            let relay = KafkaEventRelay(
                database: database, configuration: configuration, health: health, pollInterval: .milliseconds(200),
                logger: TestDatabase.logger)
            try await withRunning([relay]) {
                try await write(accounts, 1...1, to: database)
                #expect(try await Self.relayed(atLeast: 1, in: database) == 1)
                for broker in Int32(1)...3 { try cluster.setBrokerDown(broker) }
                try await write(accounts, 2...3, to: database)
                #expect(try await Self.eventually { !health.isHealthy(within: .seconds(1)) })
                for broker in Int32(1)...3 { try cluster.setBrokerUp(broker) }
                #expect(try await Self.eventually { health.isHealthy(within: .seconds(1)) })
                // What waited while the brokers were down is published now.
                #expect(try await Self.relayed(atLeast: 3, in: database) == 3)
            }
        }
    }

    @Test(
        "the relay stops promptly when shut down while every broker is down", .timeLimit(.minutes(1)))
    func relayStopsWhileUnreachable() async throws {
        try await withCluster(.sqlite) { database, cluster, configuration in
            let accounts = [UUID()]
            try await withRunning([relay(database, configuration)]) {
                try await write(accounts, 1...1, to: database)
                #expect(try await Self.relayed(atLeast: 1, in: database) == 1)
                for broker in Int32(1)...3 { try cluster.setBrokerDown(broker) }
                try await write(accounts, 2...2, to: database)
                try await Task.sleep(for: .seconds(1))  // the relay is now waiting for the brokers
            }
            // Not published, so not marked: it goes out when the relay runs again.
            #expect(try await Self.relayed(atLeast: 1, in: database) == 1)
        }
    }

    static let tansu = ProcessInfo.processInfo.environment["STAMINA_TEST_TANSU_BOOTSTRAP"]

    @Test(
        "through a separate broker process (tansu): topics created, round trip, and a group that resumes",
        .enabled(if: tansu != nil, "needs STAMINA_TEST_TANSU_BOOTSTRAP (scripts/tansu) and librdkafka 2.2 or later"))
    func tansuRoundTripAndResume() async throws {
        let configuration = KafkaEventLogConfiguration(
            kafka: KafkaConfiguration(bootstrapServers: Self.tansu ?? "", properties: Self.quickClient),
            topics: EventTopics(prefix: "t\(UUID().uuidString.prefix(8).lowercased())", contexts: ["account": "ledger"])
        )
        try await withLedger(.postgres) { database in
            let accounts = (0..<6).map { _ in UUID() }
            try await write(accounts, 1...20, to: database)
            try await withRunning([relay(database, configuration), projector(database, configuration, "ledger")]) {
                try await Self.expectSettled(accounts, through: 20, in: database)
            }
            try await write(accounts, 21...30, to: database)
            try await withRunning([relay(database, configuration), projector(database, configuration, "ledger")]) {
                try await Self.expectSettled(accounts, through: 30, in: database)
            }
        }
    }
}
