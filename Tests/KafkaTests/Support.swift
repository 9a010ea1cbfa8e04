import Foundation
import Kafka
import Logging
import Testing

/// Log level for the tests' logger: env `STAMINA_TEST_KAFKA_LOG_LEVEL` (e.g. `debug`), default `warning`.
let testLogger: Logger = {
    var logger = Logger(label: "KafkaTests")
    logger.logLevel =
        ProcessInfo.processInfo.environment["STAMINA_TEST_KAFKA_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        ?? .warning
    return logger
}()

extension KafkaConfiguration {
    /// A configuration for `bootstrapServers`, with librdkafka's `debug` contexts from env `STAMINA_TEST_KAFKA_DEBUG`
    /// (e.g. `cgrp,msg`; their output is logged at debug level, see `STAMINA_TEST_KAFKA_LOG_LEVEL`).
    static func forTests(bootstrapServers: String) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(bootstrapServers: bootstrapServers)
        configuration.properties["debug"] = ProcessInfo.processInfo.environment["STAMINA_TEST_KAFKA_DEBUG"]
        return configuration
    }

    /// This configuration plus consumer settings that make group membership and fetches quick for tests. (No short
    /// `topic.metadata.refresh.interval.ms`: with librdkafka 2.0.2 it makes mock-cluster joins restart repeatedly.)
    var forTestConsumers: KafkaConfiguration {
        var configuration = self
        configuration.properties.merge(
            [
                "session.timeout.ms": "6000",
                "heartbeat.interval.ms": "500",
                "fetch.wait.max.ms": "100",
            ]
        ) { _, new in new }
        return configuration
    }
}

/// An upper bound for loops that wait for messages or rebalances, so that a broken test fails instead of hanging.
let patience: Duration = .seconds(45)

/// Waits until `condition` holds, checking every 100 ms for at most `patience`; returns whether it came to hold.
func eventually(_ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + patience
    while !condition() && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(100))
    }
    return condition()
}

func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8))"
}

/// `count` messages over `keys` keys; the value is "key/sequence", the sequence counting per key from 0.
func keyedMessages(topic: String, count: Int, keys: Int = 16, startingAt start: Int = 0) -> [KafkaOutgoingMessage] {
    (start..<start + count).map { index in
        let key = "key-\(index % keys)"
        return KafkaOutgoingMessage(
            topic: topic,
            key: Array(key.utf8),
            value: Array("\(key)/\(index / keys)".utf8)
        )
    }
}

extension KafkaMessage {
    var text: String { String(decoding: value, as: UTF8.self) }
    var partitionKey: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
}

extension KafkaOutgoingMessage {
    var text: String { String(decoding: value, as: UTF8.self) }
}

/// Polls until `count` messages arrived (or `patience` ran out), committing each batch when `commit` is set.
func consume(_ consumer: KafkaConsumer, count: Int, commit: Bool = false) async throws -> [KafkaMessage] {
    var received: [KafkaMessage] = []
    let deadline = ContinuousClock.now + patience
    while received.count < count && ContinuousClock.now < deadline {
        let batch = try await consumer.poll(maxMessages: count - received.count, timeout: .milliseconds(500))
        if commit { try await consumer.commit(batch) }
        received += batch
    }
    return received
}

/// Expects `received` to hold every sent message exactly once, each key's messages in sending order.
func expectExactlyOnceInKeyOrder(_ received: [KafkaMessage], sent: [KafkaOutgoingMessage]) {
    #expect(received.count == sent.count)
    // Differences only, so that a failure names the few messages at fault instead of printing hundreds.
    let (receivedTexts, sentTexts) = (Set(received.map(\.text)), Set(sent.map(\.text)))
    #expect(sentTexts.subtracting(receivedTexts).sorted() == [], "lost")
    #expect(receivedTexts.subtracting(sentTexts).sorted() == [], "never sent")
    let sentOrder = Dictionary(grouping: sent.map(\.text)) { $0.split(separator: "/")[0] }
    let receivedOrder = Dictionary(grouping: received.map(\.text)) { $0.split(separator: "/")[0] }
    let disordered = sentOrder.keys.filter { receivedOrder[$0] != sentOrder[$0] }.sorted()
    #expect(disordered == [], "keys whose messages came out of order, missing or repeated")
}

/// Produces `count` keyed messages and consumes them with one group member: exactly once, per-key order kept, and the
/// deliveries name distinct (partition, offset) pairs that match where the consumer found each message.
func expectRoundTrip(_ configuration: KafkaConfiguration, topic: String, count: Int) async throws {
    let producer = try KafkaProducer(configuration: configuration, logger: testLogger)
    let sent = keyedMessages(topic: topic, count: count)
    let deliveries = try await producer.send(sent)
    await producer.shutdown()
    #expect(deliveries.count == count)
    #expect(Set(deliveries.map { "\($0.partition)/\($0.offset)" }).count == count)
    #expect(Set(deliveries.map(\.partition)).count > 1)

    let consumer = try KafkaConsumer(
        configuration: configuration.forTestConsumers,
        groupID: uniqueName("round-trip"),
        topics: [topic],
        logger: testLogger
    )
    let received = try await consume(consumer, count: count)
    // Anything beyond `count` would be a duplicate.
    let extra = try await consumer.poll(maxMessages: 100, timeout: .milliseconds(500))
    await consumer.close()
    #expect(extra.isEmpty)
    expectExactlyOnceInKeyOrder(received, sent: sent)
    let deliveryByText = Dictionary(uniqueKeysWithValues: zip(sent.map(\.text), deliveries))
    for message in received {
        #expect(
            deliveryByText[message.text]
                == KafkaDelivery(topic: topic, partition: message.partition, offset: message.offset)
        )
    }
}

/// Consumes half of `count` messages, commits and closes; a new member of the same group then resumes exactly after
/// the committed offsets: nothing repeated, nothing missed.
func expectCommitAndResume(_ configuration: KafkaConfiguration, topic: String, count: Int) async throws {
    let producer = try KafkaProducer(configuration: configuration, logger: testLogger)
    let sent = keyedMessages(topic: topic, count: count)
    _ = try await producer.send(sent)
    await producer.shutdown()

    let group = uniqueName("resume")
    let first = try KafkaConsumer(
        configuration: configuration.forTestConsumers, groupID: group, topics: [topic], logger: testLogger)
    let firstHalf = try await consume(first, count: count / 2)
    #expect(firstHalf.count == count / 2)
    try await first.commit(firstHalf)
    await first.close()

    let second = try KafkaConsumer(
        configuration: configuration.forTestConsumers, groupID: group, topics: [topic], logger: testLogger)
    let secondHalf = try await consume(second, count: count - firstHalf.count)
    let extra = try await second.poll(maxMessages: 100, timeout: .milliseconds(500))
    await second.close()
    #expect(extra.isEmpty)
    expectExactlyOnceInKeyOrder(firstHalf + secondHalf, sent: sent)
    // Each partition resumes at the committed offset: one past the last message the first member consumed there.
    let committed = Dictionary(grouping: firstHalf, by: \.partitionKey).mapValues { $0.map(\.offset).max()! + 1 }
    for (partition, messages) in Dictionary(grouping: secondHalf, by: \.partitionKey) {
        #expect(messages.map(\.offset).min() == committed[partition] ?? 0)
    }
}
