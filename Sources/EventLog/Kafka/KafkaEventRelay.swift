import Foundation
import Kafka
import Logging
import Metrics
import Persistence
import ServiceLifecycle
import Synchronization

/// Publishes the outbox to Kafka, in log order, and marks events published only once the brokers
/// acknowledged them (idempotent producer, acks=all).
///
/// The relay's position is stored like a consumer's (`kafka.relay`). A crash between the brokers'
/// acknowledgement and the mark publishes the same events again; consumers skip them by position.
/// On PostgreSQL one relay at a time publishes: it holds a session advisory lock, and relays in
/// other processes wait as hot standbys until its connection goes away.
public struct KafkaEventRelay: Service {
    /// The stored position of what the brokers acknowledged.
    public static let positionName = "kafka.relay"
    static let leaderLockKey: Int64 = 0x5245_4C41_59

    let database: any Database
    let configuration: KafkaEventLogConfiguration
    let health: KafkaRelayHealth
    let batchSize: Int
    let pollInterval: Duration
    let logger: Logger
    let ready: (@Sendable () async -> Void)?

    public init(
        database: any Database, configuration: KafkaEventLogConfiguration, health: KafkaRelayHealth,
        batchSize: Int = 500, pollInterval: Duration = .seconds(1), logger: Logger,
        ready: (@Sendable () async -> Void)? = nil
    ) {
        self.database = database
        self.configuration = configuration
        self.health = health
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        var kafka = configuration.kafka
        // A batch the brokers cannot take within 30 s fails and is sent again (the relay retries), rather
        // than waiting librdkafka's default 5 minutes.
        kafka.properties["message.timeout.ms"] = kafka.properties["message.timeout.ms"] ?? "30000"
        // One request in flight per broker, so that a retried request is never overtaken by a later one:
        // consumers skip what is at or below their position in a partition, so a partition must keep
        // log order. The idempotent producer keeps it on brokers that check sequence numbers, but
        // librdkafka's mock cluster checks them for transactional producers only, and there a
        // NOT_LEADER retry once landed after the next request (an event lost, in the fault test).
        kafka.properties["max.in.flight.requests.per.connection"] = "1"
        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        await cancelWhenGracefulShutdown {
            await withTaskCancellationHandler {
                await ready?()
                await withDiscardingTaskGroup { group in
                    group.addTask { await configuration.ensureTopics(logger: logger) }
                    group.addTask { await relay(with: producer) }
                }
            } onCancel: {
                // A send waiting for unreachable brokers must not hold up the shutdown.
                producer.beginShutdown()
            }
        }
        await producer.shutdown()
    }

    /// Publishes while this process leads, retrying after failures, until cancelled.
    private func relay(with producer: KafkaProducer) async {
        while !Task.isCancelled {
            do {
                try await whileLeading {
                    while !Task.isCancelled {
                        let generation = database.commits.generation
                        let published = try await publishBatch(with: producer)
                        if published > 0 || producer.isConnected { health.reached() }
                        if published == 0 {
                            await database.commits.wait(after: generation, timeout: pollInterval)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    /// Runs `body` once this process holds the relay lock (PostgreSQL); SQLite has one process.
    private func whileLeading(_ body: @escaping @Sendable () async throws -> Void) async throws {
        guard database.dialect == .postgres else { return try await body() }
        let key = Self.leaderLockKey
        let led = try await database.read { session in
            guard
                try await session.first("SELECT pg_try_advisory_lock($1) AS mine", [.integer(key)])?.bool("mine")
                    == true
            else { return false }
            let result = await Result(catching: body)
            _ = try? await session.query("SELECT pg_advisory_unlock($1)", [.integer(key)])
            try result.get()
            return true
        }
        if !led {
            // Another process publishes; stand by.
            health.reached()
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Publishes the next batch and marks it; returns how many events it published.
    func publishBatch(with producer: KafkaProducer) async throws -> Int {
        let (batchSize, name) = (self.batchSize, Self.positionName)
        let (position, events, head) = try await database.read { session in
            let position = try await ConsumerStore.position(of: name, in: session)
            return (
                position, try await Outbox().read(after: position, limit: batchSize, in: session),
                try await Outbox.head(in: session)
            )
        }
        Gauge(label: "stamina_outbox_head_position").record(head)
        Gauge(label: "stamina_outbox_backlog_events").record(head - position)
        guard let last = events.last else { return 0 }
        let messages = try events.map { event in
            KafkaOutgoingMessage(
                topic: configuration.topics.topic(for: event.aggregateType),
                key: event.aggregateID.withText { Array($0) }, value: try event.kafkaValue())
        }
        _ = try await producer.send(messages)
        try await database.transaction { session in
            if try await ConsumerStore.lockedPosition(of: name, stream: ConsumerStore.wholeLog, in: session)
                < last.position
            {
                try await ConsumerStore.setPosition(last.position, of: name, in: session)
            }
        }
        Counter(label: "stamina_relay_published_total").increment(by: events.count)
        Gauge(label: "stamina_relay_lag_events").record(head - last.position)
        return events.count
    }
}

/// When the relay last reached Kafka, for readiness.
public final class KafkaRelayHealth: Sendable {
    private let lastReached = Mutex(ContinuousClock.now)

    public init() {}

    func reached() {
        lastReached.withLock { $0 = .now }
    }

    /// Whether the relay reached a broker within `limit`.
    public func isHealthy(within limit: Duration) -> Bool {
        lastReached.withLock { ContinuousClock.now - $0 <= limit }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing closure.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
