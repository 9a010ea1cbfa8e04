import CRdKafka
import Dispatch
import Logging
import Synchronization

/// A consumed message. A null key or value is reported as empty.
public struct KafkaMessage: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]
    public var value: [UInt8]

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8], value: [UInt8]) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
    }
}

/// A partition of a topic.
public struct KafkaTopicPartition: Sendable, Hashable {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}

/// A consumer-group member: enable.auto.commit=false, enable.auto.offset.store=false, auto.offset.reset=earliest.
///
/// Every blocking librdkafka call of a consumer (poll, commit, close) runs on its own serial dispatch queue, never on
/// the caller's thread; the rebalance callback runs there too, inside `poll`. Group membership only makes progress
/// while the application polls.
public final class KafkaConsumer: Sendable {
    private let core: ConsumerCore
    private let queue = DispatchQueue(label: "stamina.kafka.consumer")

    public init(configuration: KafkaConfiguration, groupID: String, topics: [String], logger: Logger) throws {
        let context = ClientContext(logger: logger)
        let handle = try KafkaHandle.make(
            RD_KAFKA_CONSUMER,
            configuration: configuration,
            defaults: [
                ("group.id", groupID), ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false"),
                ("auto.offset.reset", "earliest"),
            ],
            context: context
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
                guard let rk, let context = ClientContext.from(opaque) else { return }
                context.rebalance(rk, err, partitions)
            }
        }
        core = ConsumerCore(handle: handle, context: context)
        // Client-level events (errors, rebalances) are served by rd_kafka_consumer_poll from now on.
        rd_kafka_poll_set_consumer(handle.pointer)
        // Subscribing only hands the topic list to librdkafka's main thread: quick and local.
        let err = withPartitionList(topics.map { ($0, -1, -1001 /* RD_KAFKA_OFFSET_INVALID */) }) {
            rd_kafka_subscribe(handle.pointer, $0)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            queue.async { [core] in core.close() }
            throw KafkaError(err, "cannot subscribe to \(topics)")
        }
    }

    deinit {
        queue.async { [core] in core.close() }
    }

    /// Up to `maxMessages` messages, waiting at most `timeout` for the first one ([] on timeout). Runs the blocking
    /// poll off the cooperative pool. Transient errors (partition EOF, transport) are logged, not thrown; fatal ones
    /// (`_FATAL`, authentication and authorization failures) throw.
    public func poll(maxMessages: Int, timeout: Duration) async throws -> [KafkaMessage] {
        try await run { core in
            let deadline = ContinuousClock.now + timeout
            var messages: [KafkaMessage] = []
            while messages.count < maxMessages {
                let wait = messages.isEmpty ? max(0, (deadline - .now).milliseconds) : 0
                guard let message = rd_kafka_consumer_poll(core.handle.pointer, wait) else { break }
                defer { rd_kafka_message_destroy(message) }
                let err = message.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    messages.append(KafkaMessage(message.pointee))
                } else {
                    try core.handleConsumerError(err, String(cString: rd_kafka_message_errstr(message)))
                }
            }
            return messages
        }
    }

    /// Commits, for each partition, offset = message.offset + 1 of the given messages (the highest per
    /// partition), and waits for the brokers' answer, at most `timeout`. Throws on failure (e.g. not assigned
    /// any more after a rebalance: callers then rely on idempotence) and when no answer came in time: a
    /// synchronous `rd_kafka_commit` waits for the group coordinator without end, so with every broker down it
    /// held the consumer's queue, and `close()` behind it, until they came back.
    public func commit(_ messages: [KafkaMessage], timeout: Duration = .seconds(10)) async throws {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for message in messages {
            let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
            offsets[partition] = max(offsets[partition] ?? 0, message.offset + 1)
        }
        guard !offsets.isEmpty else { return }
        try await run { [offsets] core in
            try withPartitionList(offsets.map { ($0.key.topic, $0.key.partition, $0.value) }) { list in
                // The answer comes as an event on a queue of our own; a late one, after the timeout, is
                // dropped with the queue.
                let answers = rd_kafka_queue_new(core.handle.pointer)
                defer { rd_kafka_queue_destroy(answers) }
                let err = rd_kafka_commit_queue(core.handle.pointer, list, answers, nil, nil)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "commit failed") }
                guard let answer = rd_kafka_queue_poll(answers, timeout.milliseconds) else {
                    throw KafkaError(
                        code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, message: "commit not answered within \(timeout)")
                }
                defer { rd_kafka_event_destroy(answer) }
                let failure = rd_kafka_event_error(answer)
                if failure != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(failure, "commit failed") }
                for element in elements(of: rd_kafka_event_topic_partition_list(answer))
                where element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw KafkaError(
                        element.err, "commit failed for \(String(cString: element.topic))[\(element.partition)]")
                }
            }
        }
    }

    /// The messages in this member's partitions that it has not consumed yet, as Kafka's tools report
    /// a group's lag: each partition's high watermark (as the last fetch response gave it) less the
    /// member's position, summed. A partition with no position yet (nothing consumed from it since it
    /// was assigned) is left out, so right after an assignment the figure can be short of the backlog
    /// until the member has consumed from each partition.
    public func lag() async throws -> Int64 {
        let partitions = assignment
        return try await run { core in
            try withPartitionList(partitions.map { ($0.topic, $0.partition, -1001 /* RD_KAFKA_OFFSET_INVALID */) }) {
                list in
                let err = rd_kafka_position(core.handle.pointer, list)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot read positions") }
                var lag: Int64 = 0
                for element in elements(of: list) where element.offset >= 0 {
                    var (low, high): (Int64, Int64) = (0, 0)
                    let known = rd_kafka_get_watermark_offsets(
                        core.handle.pointer, element.topic, element.partition, &low, &high)
                    if known == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 { lag += max(0, high - element.offset) }
                }
                return lag
            }
        }
    }

    /// Partitions currently assigned to this member (kept up to date by a rebalance callback).
    public var assignment: Set<KafkaTopicPartition> {
        core.context.assignment.withLock { $0 }
    }

    /// Leaves the group (rd_kafka_consumer_close) and frees the handle; idempotent.
    public func close() async {
        await withCheckedContinuation { continuation in
            queue.async { [core] in
                core.close()
                continuation.resume()
            }
        }
    }

    /// Runs `body` on the consumer's queue, or throws if the consumer is closed.
    private func run<T: Sendable>(_ body: @escaping @Sendable (ConsumerCore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [core] in
                guard core.isOpen.withLock({ $0 }) else {
                    return continuation.resume(throwing: KafkaError.closed("consumer"))
                }
                continuation.resume(with: Result { try body(core) })
            }
        }
    }
}

/// The consumer's handle and state, used only on its queue (and by the rebalance callback, through the context).
private final class ConsumerCore: Sendable {
    let handle: KafkaHandle
    let context: ClientContext
    /// False once the handle is destroyed.
    let isOpen = Mutex(true)

    init(handle: KafkaHandle, context: ClientContext) {
        self.handle = handle
        self.context = context
    }

    /// Leaves the group (serving the final revocation) and destroys the handle, once. Blocking: runs on the queue.
    func close() {
        let wasOpen = isOpen.withLock { isOpen in
            defer { isOpen = false }
            return isOpen
        }
        guard wasOpen else { return }
        let err = rd_kafka_consumer_close(handle.pointer)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.logger.warning("Kafka consumer close: \(KafkaError(err, "leaving the group failed"))")
        }
        rd_kafka_destroy(handle.pointer)
        context.logger.debug("Kafka consumer closed")
    }

    /// Logs a transient consumer error, throws a fatal one.
    func handleConsumerError(_ err: rd_kafka_resp_err_t, _ reason: String) throws {
        switch err {
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            context.logger.debug("Kafka consumer reached the end of a partition: \(reason)")
        case RD_KAFKA_RESP_ERR__FATAL:
            let (fatal, message) = withErrorString { rd_kafka_fatal_error(handle.pointer, $0, $1) }
            throw KafkaError(code: fatal.rawValue, message: "fatal consumer error: \(message)")
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
            throw KafkaError(code: err.rawValue, message: "consumer error: \(reason)")
        default:
            context.logger.warning("Kafka consumer error: \(KafkaError(code: err.rawValue, message: reason))")
        }
    }
}

extension ClientContext {
    /// The rebalance callback (runs inside `rd_kafka_consumer_poll`/`close`): applies the change and records it.
    /// Handles both the default eager protocol and the cooperative one (if a property selects cooperative-sticky).
    func rebalance(
        _ rk: OpaquePointer,
        _ err: rd_kafka_resp_err_t,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let changed = Set(elements(of: partitions).map(KafkaTopicPartition.init))
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        let failure: KafkaError?
        let update: (inout Set<KafkaTopicPartition>) -> Void
        switch (err, cooperative) {
        case (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, false):
            failure = Self.check(rd_kafka_assign(rk, partitions), "assign")
            update = { $0 = changed }
        case (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, true):
            failure = rd_kafka_incremental_assign(rk, partitions).map { KafkaError(consuming: $0, "assign") }
            update = { $0.formUnion(changed) }
        case (RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS, true):
            failure = rd_kafka_incremental_unassign(rk, partitions).map { KafkaError(consuming: $0, "unassign") }
            update = { $0.subtract(changed) }
        default:  // eager revocation, or a rebalance error: drop the whole assignment
            if err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS {
                logger.error("Kafka rebalance failed, dropping the assignment: \(KafkaError(err, "rebalance"))")
            }
            failure = Self.check(rd_kafka_assign(rk, nil), "unassign")
            update = { $0 = [] }
        }
        if let failure { logger.error("Kafka rebalance: \(failure)") }
        let current = assignment.withLock { assignment in
            update(&assignment)
            return assignment
        }
        logger.info(
            "Kafka consumer \(err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assigned" : "revoked") \(describe(changed))",
            metadata: ["kafka.assignment": "\(describe(current))"]
        )
    }

    private static func check(_ err: rd_kafka_resp_err_t, _ context: String) -> KafkaError? {
        err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(err, context)
    }

    private func describe(_ partitions: Set<KafkaTopicPartition>) -> String {
        partitions.map { "\($0.topic)[\($0.partition)]" }.sorted().joined(separator: ",")
    }
}

/// Calls `body` with a new librdkafka partition list of (topic, partition, offset) entries, destroyed afterwards.
private func withPartitionList<T>(
    _ entries: [(topic: String, partition: Int32, offset: Int64)],
    _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T
) rethrows -> T {
    let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
    defer { rd_kafka_topic_partition_list_destroy(list) }
    for entry in entries {
        rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition).pointee.offset = entry.offset
    }
    return try body(list)
}

/// The elements of a librdkafka partition list (none for a null list).
private func elements(
    of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
) -> UnsafeMutableBufferPointer<rd_kafka_topic_partition_t> {
    UnsafeMutableBufferPointer(start: list?.pointee.elems, count: Int(list?.pointee.cnt ?? 0))
}

extension KafkaTopicPartition {
    init(_ element: rd_kafka_topic_partition_t) {
        self.init(topic: String(cString: element.topic), partition: element.partition)
    }
}

extension KafkaMessage {
    /// Copies a consumed message out of librdkafka's buffer.
    init(_ message: rd_kafka_message_t) {
        self.init(
            topic: String(cString: rd_kafka_topic_name(message.rkt)),
            partition: message.partition,
            offset: message.offset,
            key: Self.bytes(message.key, message.key_len),
            value: Self.bytes(message.payload, message.len)
        )
    }

    private static func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8] {
        guard let pointer else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

extension Duration {
    /// Whole milliseconds, clamped to `Int32` for librdkafka's timeouts.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        return Int32(clamping: seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
    }
}
