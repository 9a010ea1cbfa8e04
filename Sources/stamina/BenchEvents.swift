import App
import ArgumentParser
import EventLog
import Foundation
import Kafka
import Logging
import Persistence
import ServiceLifecycle
import Synchronization

/// Measures the event log: what the outbox adds to a write, the end-to-end delay from a write's
/// commit to a projection at a steady rate, and the most events per second the dispatch path
/// applies. Embedded (in-process dispatcher) by default, or through Kafka (librdkafka's mock
/// cluster, in this process) with `--kafka`. The database comes from `STAMINA_DATABASE_URL`.
struct BenchEvents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Time the event log.")

    @Option(help: "Events per second during the steady phase.")
    var rate = 1_000

    @Option(help: "Seconds of the steady phase.")
    var seconds = 10

    @Option(help: "Concurrent writers in the steady phase (each commit waits for its own flush).")
    var writers = 8

    @Option(help: "Writes of each kind in the outbox-overhead phase.")
    var writes = 2_000

    @Option(help: "Events in the backlog of the throughput phase.")
    var backlog = 20_000

    @Flag(help: "Deliver through Kafka (librdkafka's mock cluster: 3 brokers, 4 partitions) instead of in-process.")
    var kafka = false

    /// A write's event: one per aggregate update.
    struct Bumped: DomainEvent {
        static let eventType = "BenchBumped"
        static let aggregateType = "bench"
        var id: UUID
        var aggregateID: UUID { id }
    }

    /// The trivial projection: counts events per aggregate and notes each event's delay since it occurred.
    final class Projection: EventConsumer {
        let name = "bench.projection"
        let delays = Mutex<[Double]>([])

        func apply(_ event: EventEnvelope, in session: any DatabaseSession) async throws {
            try await session.query(
                """
                INSERT INTO bench_counts (id, n) VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET n = bench_counts.n + 1
                """, [.uuid(event.aggregateID)])
            let delay = Date().timeIntervalSince(event.occurredAt) * 1_000
            delays.withLock { $0.append(delay) }
        }

        func reset(in session: any DatabaseSession) async throws {
            try await session.query("DELETE FROM bench_counts")
        }

        func take() -> [Double] {
            delays.withLock { delays in
                defer { delays = [] }
                return delays
            }
        }
    }

    func run() async throws {
        let configuration = try AppConfiguration.fromEnvironment()
        var logger = Logger(label: "stamina.bench")
        logger.logLevel = .warning
        let database = try await configuration.database.open(logger: logger)
        let cluster = kafka ? try KafkaMockCluster(brokers: 3) : nil
        defer { cluster?.destroy() }
        try await withRunning(database) {
            try await Migrations.prepare(database, logger: logger)
            try await database.transaction { session in
                try await session.query(
                    "CREATE TABLE IF NOT EXISTS bench_aggregates (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
                try await session.query(
                    "CREATE TABLE IF NOT EXISTS bench_counts (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
            }
            let aggregates = (0..<64).map { _ in UUID() }
            try await database.transaction { session in
                for id in aggregates {
                    try await session.query(
                        "INSERT INTO bench_aggregates (id, n) VALUES ($1, 0)", [.text(id.uuidString)])
                }
            }
            let backend = "\(database.dialect)" + (kafka ? "+kafka" : "")
            try await measureOverhead(database, aggregates, backend: backend)
            let projection = Projection()
            let services = try consumers(of: projection, database: database, cluster: cluster, logger: logger)
            try await measureSteady(database, aggregates, projection, services, backend: backend)
            try await measureThroughput(database, aggregates, projection, services, backend: backend)
        }
    }

    /// The services that deliver events to `projection`: the dispatcher, or a relay and a projector.
    func consumers(of projection: Projection, database: any Database, cluster: KafkaMockCluster?, logger: Logger) throws
        -> [any Service]
    {
        guard let cluster else {
            return [EventDispatcher(database: database, consumers: [projection], logger: logger)]
        }
        try cluster.createTopic("bench.bench", partitions: 4, replicationFactor: 3)
        var kafka = KafkaEventLogConfiguration(
            kafka: KafkaConfiguration(
                bootstrapServers: cluster.bootstrapServers,
                properties: [
                    "linger.ms": "1", "fetch.wait.max.ms": "10", "fetch.error.backoff.ms": "10",
                    // A new member of the group is not kept waiting for a session timeout.
                    "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
                ]),
            topics: EventTopics(prefix: "bench", contexts: ["bench": "bench"]))
        kafka.createTopics = false
        return [
            KafkaEventRelay(database: database, configuration: kafka, health: KafkaRelayHealth(), logger: logger),
            KafkaEventProjector(database: database, consumer: projection, configuration: kafka, logger: logger),
        ]
    }

    /// One write: bump an aggregate, with or without its event, in one transaction.
    func write(_ id: UUID, withEvent: Bool, to database: any Database) async throws {
        try await database.transaction { session in
            try await session.query("UPDATE bench_aggregates SET n = n + 1 WHERE id = $1", [.text(id.uuidString)])
            if withEvent { try await Outbox().append([Bumped(id: id)], in: session) }
        }
    }

    func measureOverhead(_ database: any Database, _ aggregates: [UUID], backend: String) async throws {
        var plain: [Double] = []
        var withEvent: [Double] = []
        let clock = ContinuousClock()
        for index in 0..<writes * 2 {
            let id = aggregates[index % aggregates.count]
            let elapsed = try await clock.measure { try await write(id, withEvent: index % 2 == 1, to: database) }
            index % 2 == 1 ? withEvent.append(elapsed.milliseconds) : plain.append(elapsed.milliseconds)
        }
        print(
            #"{"phase":"write latency","backend":"\#(backend)","writes":\#(writes),"plainP50Ms":\#(plain.percentile(50)),"plainP99Ms":\#(plain.percentile(99)),"withOutboxP50Ms":\#(withEvent.percentile(50)),"withOutboxP99Ms":\#(withEvent.percentile(99)),"overheadP50":\#(withEvent.percentile(50) / plain.percentile(50) - 1)}"#
        )
    }

    /// Writes at a steady `rate` (`writers` tasks) for `seconds` while the consumers run; reports the
    /// delay from each event's append to its projection.
    func measureSteady(
        _ database: any Database, _ aggregates: [UUID], _ projection: Projection, _ services: [any Service],
        backend: String
    ) async throws {
        let (rate, seconds, writers) = (self.rate, self.seconds, self.writers)
        try await withRunning(services) {
            try await waitForDrain(database, projection)
            _ = projection.take()
            let start = ContinuousClock.now + .milliseconds(100)
            let perWriter = rate * seconds / writers
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<perWriter {
                            let due = start + .seconds(Double(index * writers + writer) / Double(rate))
                            try await Task.sleep(until: due, clock: .continuous)
                            try await write(
                                aggregates[(index + writer) % aggregates.count], withEvent: true, to: database)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            try await waitForDrain(database, projection)
            let delays = projection.take()
            print(
                #"{"phase":"steady","backend":"\#(backend)","targetRate":\#(rate),"achievedRate":\#(Double(delays.count) / elapsed.seconds),"events":\#(delays.count),"delayP50Ms":\#(delays.percentile(50)),"delayP99Ms":\#(delays.percentile(99))}"#
            )
        }
    }

    /// Appends a backlog with the consumers stopped, then times how fast they apply it.
    func measureThroughput(
        _ database: any Database, _ aggregates: [UUID], _ projection: Projection, _ services: [any Service],
        backend: String
    ) async throws {
        for start in stride(from: 0, to: backlog, by: 100) {
            try await database.transaction { session in
                try await Outbox().append(
                    (start..<min(start + 100, backlog)).map { Bumped(id: aggregates[$0 % aggregates.count]) },
                    in: session)
            }
        }
        let began = ContinuousClock.now
        try await withRunning(services) { try await waitForDrain(database, projection) }
        let elapsed = ContinuousClock.now - began
        print(
            #"{"phase":"throughput","backend":"\#(backend)","events":\#(backlog),"seconds":\#(elapsed.seconds),"eventsPerSecond":\#(Double(backlog) / elapsed.seconds)}"#
        )
    }

    /// Returns once the projection has applied everything in the log.
    func waitForDrain(_ database: any Database, _ projection: Projection) async throws {
        while true {
            let (head, applied) = try await database.read { session in
                (
                    try await Outbox.head(in: session),
                    try await session.first("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM bench_counts")?.int(
                        "n") ?? 0
                )
            }
            if Int64(applied) >= head { return }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1_000 }
}

extension [Double] {
    /// The `p`th percentile (nearest rank), 0 when empty.
    func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        return sorted[Swift.min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)]
    }
}
