import EventLog
import Foundation
import HTTPAPI
import Kafka
import Logging
import Persistence
import ServiceLifecycle

/// Where a device's points become durable before they are acked.
public protocol LivePointSink: Sendable {
    /// Makes the points durable, then calls `done` (on any thread) with the outcome.
    func append(sessionID: UUID, points: [LivePoint], done: @escaping @Sendable (Result<Void, any Error>) -> Void)
    /// Returns once every point of the session up to `seq` is in the live-points table (a sink may
    /// make points durable elsewhere first), so that the session can become an activity.
    func stored(sessionID: UUID, through seq: Int64) async throws
    /// Returns once every point of the session the sink holds durably elsewhere is in the
    /// live-points table, to be read from there.
    func settle(sessionID: UUID) async throws
    /// Whether points of the session that are not in the live-points table yet were received since
    /// `cutoff`: an open session is silent only if none were.
    func heard(from sessionID: UUID, since cutoff: Date) -> Bool
}

extension LivePointWriter: LivePointSink {
    /// Points acked are durable; settling puts them in the table.
    public func stored(sessionID: UUID, through seq: Int64) async throws {
        try await settle(sessionID: sessionID)
    }
}

/// The distributed mode's sink: points go to a Kafka topic keyed (so partitioned) by session, and
/// are acked once the brokers acknowledged them; ``KafkaLivePointWriter`` moves them into the table.
public final class KafkaLivePoints: LivePointSink, Service {
    let producer: KafkaProducer
    let configuration: KafkaEventLogConfiguration
    let topic: String
    let database: any Database
    let logger: Logger

    public init(
        producer: KafkaProducer, configuration: KafkaEventLogConfiguration, database: any Database, logger: Logger
    ) {
        self.producer = producer
        self.configuration = configuration
        self.topic = Self.topic(prefix: configuration.topics.prefix)
        self.database = database
        self.logger = logger
    }

    /// `<prefix>.live-points`.
    public static func topic(prefix: String) -> String { prefix + ".live-points" }

    public func append(
        sessionID: UUID, points: [LivePoint], done: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        let batch = LivePointBatch(sessionId: sessionID, points: points.map { WirePoint($0) })
        Task {
            do {
                _ = try await producer.send([
                    KafkaOutgoingMessage(
                        topic: topic, key: sessionID.withText { Array($0) },
                        value: Array(try JSONCoding.encoder.encode(batch)))
                ])
                done(.success(()))
            } catch {
                done(.failure(error))
            }
        }
    }

    /// Waits (up to 30 s) for the batch writer to have stored the points.
    public func stored(sessionID: UUID, through seq: Int64) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let stored = try await database.read { db in
                try await db.first(
                    "SELECT max(seq) AS seq FROM live_points WHERE session_id = $1", [.uuid(sessionID)]
                )?.optionalInt("seq") ?? 0
            }
            if stored >= seq { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw LiveError(.unavailable, "The session's points are not stored yet; finish again later.")
    }

    /// Points still in Kafka are not readable from the table until the batch writer stored them.
    public func settle(sessionID: UUID) async throws {}

    public func heard(from sessionID: UUID, since cutoff: Date) -> Bool { false }

    public func run() async throws {
        // An api-only deployment has no batch writer to create the topic.
        await cancelWhenGracefulShutdown { await self.configuration.ensure([self.topic], logger: self.logger) }
        try? await gracefulShutdown()
        producer.beginShutdown()
        await producer.shutdown()
    }
}

/// One message of the live-points topic.
struct LivePointBatch: Codable {
    var sessionId: UUID
    var points: [WirePoint]
}

/// The batch writer of the distributed mode: a consumer group member that stores polled batches of
/// live points in one transaction, then commits their offsets. Redeliveries are dropped by the
/// table's key, so a crash between the two loses and doubles nothing.
public struct KafkaLivePointWriter: Service {
    let database: any Database
    let configuration: KafkaEventLogConfiguration
    let logger: Logger
    let ready: @Sendable () async -> Void

    public init(
        database: any Database, configuration: KafkaEventLogConfiguration, logger: Logger,
        ready: @escaping @Sendable () async -> Void
    ) {
        self.database = database
        self.configuration = configuration
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        await ready()
        let topic = KafkaLivePoints.topic(prefix: configuration.topics.prefix)
        let member = try KafkaConsumer(
            configuration: configuration.kafka, groupID: configuration.topics.prefix + ".live-writer",
            topics: [topic], logger: logger)
        await cancelWhenGracefulShutdown {
            await configuration.ensure([topic], logger: logger)
            var backoff = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    let messages = try await member.poll(maxMessages: 5_000, timeout: .milliseconds(200))
                    guard !messages.isEmpty else { continue }
                    try await store(messages)
                    try? await member.commit(messages)
                    backoff = .milliseconds(100)
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("live point writer failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                }
            }
        }
        await member.close()
    }

    func store(_ messages: [KafkaMessage]) async throws {
        var batches: [(sessionID: UUID, points: [LivePoint])] = []
        for message in messages {
            guard let batch = try? JSONCoding.decoder.decode(LivePointBatch.self, from: Data(message.value)) else {
                logger.error(
                    "skipping a Kafka message that is not a live point batch",
                    metadata: ["partition": "\(message.partition)", "offset": "\(message.offset)"])
                continue
            }
            let points = batch.points.compactMap { try? $0.validated().get() }
            batches.append((batch.sessionId, points))
        }
        let now = Date()
        let stored = batches
        try await database.transaction { session in
            try await LiveStore.append(stored, receivedAt: now, in: session)
        }
    }
}
