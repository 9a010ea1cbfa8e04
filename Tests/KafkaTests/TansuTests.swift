import Foundation
import Kafka
import Testing

/// The tansu broker started by `scripts/tansu start`; these tests are skipped without it.
private let tansuBootstrap = ProcessInfo.processInfo.environment["STAMINA_TEST_TANSU_BOOTSTRAP"]

@Suite(
    "Kafka client against a tansu broker",
    .enabled(if: tansuBootstrap != nil, "needs STAMINA_TEST_TANSU_BOOTSTRAP (see scripts/tansu)")
)
struct TansuTests {
    let configuration = KafkaConfiguration.forTests(bootstrapServers: tansuBootstrap ?? "")

    /// A new 4-partition topic. Created twice: the second time TOPIC_ALREADY_EXISTS counts as success.
    func createTopic(_ prefix: String) async throws -> String {
        try #require(
            KafkaLibrary.supportsTaggedFields,
            "librdkafka \(KafkaLibrary.version) cannot talk to tansu: run with LD_LIBRARY_PATH=$STAMINA_TANSU_LIBRARY_PATH"
        )
        let topic = uniqueName(prefix)
        for _ in 0..<2 {
            try await KafkaAdmin.createTopics(
                [topic],
                partitions: 4,
                replicationFactor: 1,
                configuration: configuration,
                logger: testLogger
            )
        }
        return topic
    }

    @Test("Round trip through tansu")
    func roundTrip() async throws {
        try await expectRoundTrip(configuration, topic: try await createTopic("tansu-round-trip"), count: 500)
    }

    @Test("Commit and resume through tansu")
    func commitAndResume() async throws {
        try await expectCommitAndResume(configuration, topic: try await createTopic("tansu-resume"), count: 200)
    }
}
