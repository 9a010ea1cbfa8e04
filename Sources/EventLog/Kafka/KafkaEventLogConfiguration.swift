import Kafka
import Logging

/// Distributed mode: where the outbox is relayed to and consumed from.
public struct KafkaEventLogConfiguration: Sendable {
    /// Brokers and client properties.
    public var kafka: KafkaConfiguration
    /// Which topic each aggregate type's events go to.
    public var topics: EventTopics
    /// Partitions of each topic the relay creates.
    public var partitions = 8
    /// Replicas of each topic the relay creates.
    public var replicationFactor = 1
    /// Readiness fails when the relay has not reached a broker for this long.
    public var unreachableAfter = Duration.seconds(30)
    /// Whether the relay and the projectors create the topics at start (through the admin API).
    public var createTopics = true

    public init(kafka: KafkaConfiguration, topics: EventTopics) {
        self.kafka = kafka
        self.topics = topics
    }
}

/// Topic names: one per bounded context (`stamina.activities`), keyed by aggregate id so that one
/// aggregate's events stay in one partition, in order.
public struct EventTopics: Sendable {
    /// The first part of every topic name.
    public var prefix: String
    /// The context that owns each aggregate type, e.g. `activity` → `activities`.
    public var contexts: [String: String]

    public init(prefix: String = "stamina", contexts: [String: String]) {
        self.prefix = prefix
        self.contexts = contexts
    }

    /// The topic of an aggregate type; an unknown type gets a topic of its own name.
    public func topic(for aggregateType: String) -> String {
        prefix + "." + (contexts[aggregateType] ?? aggregateType)
    }

    /// Every known context's topic, for consumers to subscribe to.
    public var all: [String] {
        Set(contexts.values).sorted().map { prefix + "." + $0 }
    }
}

extension KafkaEventLogConfiguration {
    /// Creates the topics when missing. Some brokers (librdkafka's mock cluster) have no admin API:
    /// then the topics are left to the broker's automatic creation, with a warning.
    func ensureTopics(logger: Logger) async {
        await ensure(topics.all, logger: logger)
    }

    /// Creates `names` with the configured partitions and replication when missing (and when
    /// `createTopics` is on); on failure, warns and leaves them to the broker's automatic creation.
    public func ensure(_ names: [String], logger: Logger) async {
        guard createTopics else { return }
        do {
            try await KafkaAdmin.createTopics(
                names, partitions: partitions, replicationFactor: replicationFactor, configuration: kafka,
                logger: logger)
        } catch is CancellationError {
            return  // shutting down
        } catch {
            logger.warning(
                "could not create topics; relying on the broker to create them",
                metadata: ["topics": "\(names)", "error": "\(error)"])
        }
    }
}
