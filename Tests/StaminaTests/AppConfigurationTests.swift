import App
import Testing

/// The environment variables of the distributed mode and of roles: values a deployment sets, and
/// the clear errors it gets for bad ones.
@Suite("Configuration")
struct AppConfigurationTests {
    @Test("without Kafka brokers the event log stays in-process, and every role runs")
    func embeddedDefaults() throws {
        let configuration = try AppConfiguration.fromEnvironment([:])
        #expect(configuration.kafka == nil)
        #expect(configuration.roles == ServerRole.all)
    }

    @Test("Kafka settings and extra librdkafka properties are read")
    func kafkaSettings() throws {
        let configuration = try AppConfiguration.fromEnvironment([
            "STAMINA_KAFKA_BROKERS": "127.0.0.1:9092,127.0.0.1:9093", "STAMINA_KAFKA_TOPIC_PREFIX": "prod",
            "STAMINA_KAFKA_PARTITIONS": "12", "STAMINA_KAFKA_PROPERTIES": "session.timeout.ms=6000, linger.ms = 5",
            "STAMINA_ROLES": "api, relay",
        ])
        let kafka = try #require(configuration.kafka)
        #expect(kafka.kafka.bootstrapServers == "127.0.0.1:9092,127.0.0.1:9093")
        #expect(kafka.kafka.properties == ["session.timeout.ms": "6000", "linger.ms": "5"])
        #expect(kafka.partitions == 12)
        #expect(kafka.topics.topic(for: "activity") == "prod.activities")
        #expect(kafka.topics.all == ["prod.accounts", "prod.activities"])
        #expect(configuration.roles == [.api, .relay])
    }

    @Test(
        "bad values name the variable",
        arguments: [
            ["STAMINA_ROLES": "api,cook"], ["STAMINA_ROLES": ","],
            ["STAMINA_KAFKA_BROKERS": "b:9092", "STAMINA_KAFKA_PROPERTIES": "linger.ms"],
            ["STAMINA_KAFKA_BROKERS": "b:9092", "STAMINA_KAFKA_PARTITIONS": "0"],
        ])
    func badValues(environment: [String: String]) throws {
        #expect(throws: AppConfiguration.Error.self) { try AppConfiguration.fromEnvironment(environment) }
    }
}
