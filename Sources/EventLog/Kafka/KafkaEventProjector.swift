import Foundation
import Kafka
import Logging
import Metrics
import Persistence
import ServiceLifecycle

/// Feeds one consumer from the Kafka topics, as a member of its consumer group
/// (`<prefix>.<consumer name>`): processes of the projector role share the partitions, and the
/// group rebalances when one joins or leaves.
///
/// Each partition is a stream with its own stored position, written in the transaction that applies
/// its events; offsets are committed to Kafka only after that. A redelivery (after a crash, a
/// rebalance, or a relay that published twice) is skipped by position, so nothing counts twice.
public struct KafkaEventProjector: Service {
    let database: any Database
    let consumer: any EventConsumer
    let configuration: KafkaEventLogConfiguration
    let dispatch: DispatcherConfiguration
    let logger: Logger
    let ready: (@Sendable () async -> Void)?

    public init(
        database: any Database, consumer: any EventConsumer, configuration: KafkaEventLogConfiguration,
        dispatch: DispatcherConfiguration = .init(), logger: Logger, ready: (@Sendable () async -> Void)? = nil
    ) {
        self.database = database
        self.consumer = consumer
        self.configuration = configuration
        self.dispatch = dispatch
        self.logger = logger
        self.ready = ready
    }

    /// The consumer group of `consumer`.
    public var groupID: String { configuration.topics.prefix + "." + consumer.name }

    public func run() async throws {
        await ready?()
        let member = try KafkaConsumer(
            configuration: configuration.kafka, groupID: groupID, topics: configuration.topics.all, logger: logger)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await configuration.ensureTopics(logger: logger) }
                group.addTask { await consume(from: member) }
            }
        }
        await member.close()
    }

    private func consume(from member: KafkaConsumer) async {
        var backoff = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                let messages = try await member.poll(maxMessages: dispatch.batchSize, timeout: .milliseconds(500))
                if !messages.isEmpty {
                    try await apply(messages)
                    do {
                        try await member.commit(messages)
                    } catch {
                        // After a rebalance the partitions may belong to another member, which skips what we applied.
                        logger.info(
                            "offset commit failed", metadata: ["consumer": "\(consumer.name)", "error": "\(error)"])
                    }
                }
                // Each member publishes the lag of its own partitions; summed over the group's processes,
                // they are the group's.
                if let lag = try? await member.lag() {
                    Gauge(label: "stamina_consumer_lag_events", dimensions: [("consumer", consumer.name)]).record(lag)
                }
                backoff = .milliseconds(100)
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "Kafka consumer failed; retrying", metadata: ["consumer": "\(consumer.name)", "error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    /// Applies a polled batch in one transaction (each partition a stream), retrying until the database takes it.
    func apply(_ messages: [KafkaMessage]) async throws {
        var streams: [String: [EventEnvelope]] = [:]
        for message in messages {
            do {
                let event = try EventEnvelope(kafkaValue: message.value)
                streams["\(message.topic)/\(message.partition)", default: []].append(event)
            } catch {
                Counter(label: "stamina_events_undecodable_total").increment()
                logger.error(
                    "skipping a Kafka message that is not an event",
                    metadata: [
                        "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
                    ])
            }
        }
        // In log order, once each: a relay that published twice repeats events in a partition.
        let ordered = streams.mapValues { events in
            var seen = Set<Int64>()
            return events.sorted { $0.position < $1.position }.filter { seen.insert($0.position).inserted }
        }
        let applier = EventApplier(database: database, consumer: consumer, configuration: dispatch, logger: logger)
        var backoff = Duration.milliseconds(100)
        while true {
            do {
                try await applier.apply(ordered)
                break
            } catch let error as DatabaseError where error.code == .unavailable {
                logger.warning("database unavailable; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }
}
