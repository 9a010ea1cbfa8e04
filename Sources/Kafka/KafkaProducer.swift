import CRdKafka
import Foundation
import Logging
import Synchronization

/// A message to produce. An empty `key` is sent as a null key (librdkafka then spreads such messages over partitions).
public struct KafkaOutgoingMessage: Sendable {
    public var topic: String
    public var key: [UInt8]
    public var value: [UInt8]

    public init(topic: String, key: [UInt8], value: [UInt8]) {
        self.topic = topic
        self.key = key
        self.value = value
    }
}

/// Where the broker stored an acknowledged message.
public struct KafkaDelivery: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// Idempotent producer: enable.idempotence=true, acks=all (set by the module, overridable via properties only for
/// tests). A dedicated thread per producer runs librdkafka's poll loop, which serves the delivery reports.
public final class KafkaProducer: Sendable {
    private let core: ProducerCore

    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        let context = ClientContext(logger: logger)
        let handle = try KafkaHandle.make(
            RD_KAFKA_PRODUCER,
            configuration: configuration,
            defaults: [("enable.idempotence", "true"), ("acks", "all"), ("statistics.interval.ms", "1000")],
            context: context
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let slot = message.pointee._private else { return }
                let delivery = Unmanaged<DeliverySlot>.fromOpaque(slot).takeRetainedValue()
                let err = message.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    ClientContext.from(opaque)?.connected.withLock { $0 = true }
                    let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
                    delivery.batch.complete(
                        delivery.index,
                        .success(
                            KafkaDelivery(
                                topic: topic, partition: message.pointee.partition, offset: message.pointee.offset))
                    )
                } else {
                    delivery.batch.complete(delivery.index, .failure(KafkaError(err, "delivery failed")))
                }
            }
            rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
                if let json, let context = ClientContext.from(opaque),
                    let up = BrokerStatistics.anyBrokerUp(json: UnsafeRawBufferPointer(start: json, count: length))
                {
                    context.connected.withLock { $0 = up }
                }
                return 0  // librdkafka frees the JSON
            }
        }
        core = ProducerCore(handle: handle, context: context)
        let thread = Thread { [core] in core.pollLoop() }
        thread.name = "stamina.kafka.producer"
        thread.start()
    }

    deinit {
        core.requestStop()
    }

    /// Enqueues all messages (in order) and returns once the broker acknowledged every one of them, in input order.
    /// Throws `KafkaError` if any message failed permanently (after librdkafka's retries / `message.timeout.ms`),
    /// once every enqueued message has its outcome. Messages cannot be recalled, so cancellation only stops waiting
    /// for room in a full local queue.
    public func send(_ messages: [KafkaOutgoingMessage]) async throws -> [KafkaDelivery] {
        guard !messages.isEmpty else { return [] }
        let batch = PendingBatch(count: messages.count)
        var next = 0
        do {
            while next < messages.count {
                next = try core.enqueue(messages, from: next, into: batch)
                if next < messages.count {
                    try await Task.sleep(for: .milliseconds(10))  // local queue full: the poll thread drains it
                }
            }
        } catch {
            batch.abandon(messages.count - next, error: error)
        }
        return try await batch.result()
    }

    /// Whether a broker connection is up, for readiness checks: true after a successful delivery or a statistics
    /// report (every `statistics.interval.ms`, 1 s by default) showing a broker in state UP; false before the first
    /// such sign, after librdkafka reports all brokers down, or when a report shows none UP. Cheap: reads a flag.
    public var isConnected: Bool {
        core.context.connected.withLock { $0 }
    }

    /// Flushes outstanding messages (for up to 10 s, then purges the rest) and stops the poll thread; idempotent.
    public func shutdown() async {
        await withCheckedContinuation { continuation in
            core.addShutdownWaiter(continuation)
            core.requestStop()
        }
    }

    /// Starts `shutdown()` without waiting for it, e.g. from a cancellation handler: a `send` waiting for
    /// unreachable brokers then fails within the flush timeout instead of waiting for `message.timeout.ms`.
    public func beginShutdown() {
        core.requestStop()
    }
}

/// The producer's handle and lifecycle, shared with its poll thread (which outlives the `KafkaProducer` to tear down).
private final class ProducerCore: Sendable {
    /// How long the shutdown waits for outstanding messages before purging them (their `send` then throws).
    static let shutdownFlushTimeoutMilliseconds: Int32 = 10_000

    let handle: KafkaHandle
    let context: ClientContext
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        /// Cleared to stop; `rd_kafka_produce` only runs under the lock while it is set.
        var isOpen = true
        /// Set by the poll thread once the handle is destroyed.
        var isStopped = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    init(handle: KafkaHandle, context: ClientContext) {
        self.handle = handle
        self.context = context
    }

    /// Marks the producer closed and wakes the poll thread. Under the lock, so the thread cannot be destroying the
    /// handle while `rd_kafka_yield` runs.
    func requestStop() {
        lifecycle.withLock { state in
            guard state.isOpen else { return }
            state.isOpen = false
            rd_kafka_yield(handle.pointer)
        }
    }

    /// Resumes `continuation` once the poll thread has stopped (at once if it has).
    func addShutdownWaiter(_ continuation: CheckedContinuation<Void, Never>) {
        let stopped = lifecycle.withLock { state in
            if !state.isStopped { state.shutdownWaiters.append(continuation) }
            return state.isStopped
        }
        if stopped { continuation.resume() }
    }

    /// Enqueues `messages[start...]` until librdkafka's local queue is full; returns the index of the first message
    /// not enqueued. Topic handles are reference-counted lookups in librdkafka, so they are taken per call.
    func enqueue(_ messages: [KafkaOutgoingMessage], from start: Int, into batch: PendingBatch) throws -> Int {
        try lifecycle.withLock { state in
            guard state.isOpen else { throw KafkaError.closed("producer") }
            var topics: [String: OpaquePointer] = [:]
            defer { topics.values.forEach { rd_kafka_topic_destroy($0) } }
            for index in start..<messages.count {
                let message = messages[index]
                guard let topic = topics[message.topic] ?? rd_kafka_topic_new(handle.pointer, message.topic, nil) else {
                    throw KafkaError(rd_kafka_last_error(), "cannot use topic \(message.topic)")
                }
                topics[message.topic] = topic
                let slot = Unmanaged.passRetained(DeliverySlot(batch: batch, index: index))
                let status = message.value.withUnsafeBytes { value in
                    message.key.withUnsafeBytes { key in
                        rd_kafka_produce(
                            topic, -1 /* RD_KAFKA_PARTITION_UA: the partitioner picks */, RD_KAFKA_MSG_F_COPY,
                            UnsafeMutableRawPointer(mutating: value.baseAddress), value.count,
                            key.isEmpty ? nil : key.baseAddress, key.count, slot.toOpaque()
                        )
                    }
                }
                if status != 0 {
                    slot.release()
                    let err = rd_kafka_last_error()
                    if err == RD_KAFKA_RESP_ERR__QUEUE_FULL { return index }
                    throw KafkaError(err, "cannot enqueue message for \(message.topic)")
                }
            }
            return messages.count
        }
    }

    /// The poll thread: serves callbacks until stopped, then flushes, purges what is left and destroys the handle.
    func pollLoop() {
        let rk = handle.pointer
        while lifecycle.withLock({ $0.isOpen }) {
            rd_kafka_poll(rk, 100)
        }
        if rd_kafka_flush(rk, Self.shutdownFlushTimeoutMilliseconds) != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.logger.warning("Kafka producer shutdown: \(rd_kafka_outq_len(rk)) messages not delivered, purging")
            rd_kafka_purge(rk, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            rd_kafka_flush(rk, 1_000)  // serves the purged messages' delivery reports
        }
        rd_kafka_destroy(rk)
        let waiters = lifecycle.withLock { state in
            state.isStopped = true
            defer { state.shutdownWaiters = [] }
            return state.shutdownWaiters
        }
        waiters.forEach { $0.resume() }
        context.logger.debug("Kafka producer stopped")
    }
}

/// One enqueued message's place in its `send` batch, handed to librdkafka as the message opaque.
private final class DeliverySlot: Sendable {
    let batch: PendingBatch
    let index: Int

    init(batch: PendingBatch, index: Int) {
        self.batch = batch
        self.index = index
    }
}

/// The outcomes of one `send` call's messages, completed by delivery reports on the poll thread.
private final class PendingBatch: Sendable {
    private struct State {
        var deliveries: [KafkaDelivery?]
        var remaining: Int
        var error: (any Error)?
        var continuation: CheckedContinuation<[KafkaDelivery], any Error>?
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(deliveries: Array(repeating: nil, count: count), remaining: count))
    }

    func complete(_ index: Int, _ result: Result<KafkaDelivery, KafkaError>) {
        update { state in
            switch result {
            case .success(let delivery): state.deliveries[index] = delivery
            case .failure(let error): state.error = state.error ?? error
            }
            state.remaining -= 1
        }
    }

    /// Accounts for `count` messages that were never enqueued.
    func abandon(_ count: Int, error: any Error) {
        update { state in
            state.error = state.error ?? error
            state.remaining -= count
        }
    }

    /// Waits until every message has its outcome: all deliveries in input order, or the first error.
    func result() async throws -> [KafkaDelivery] {
        try await withCheckedThrowingContinuation { continuation in
            update { $0.continuation = continuation }
        }
    }

    private func update(_ body: (inout State) -> Void) {
        let finished = state.withLock {
            state -> (CheckedContinuation<[KafkaDelivery], any Error>, Result<[KafkaDelivery], any Error>)? in
            body(&state)
            guard state.remaining == 0, let continuation = state.continuation else { return nil }
            state.continuation = nil
            if let error = state.error { return (continuation, .failure(error)) }
            return (continuation, .success(state.deliveries.map { $0! }))
        }
        if let (continuation, result) = finished { continuation.resume(with: result) }
    }
}

/// The part of librdkafka's statistics JSON that tells whether a broker connection is up.
private struct BrokerStatistics: Decodable {
    struct Broker: Decodable {
        var state: String
        /// "configured" (bootstrap), "learned", or "internal" (librdkafka's pseudo-broker, which is always UP).
        var source: String
    }
    var brokers: [String: Broker]

    static func anyBrokerUp(json: UnsafeRawBufferPointer) -> Bool? {
        guard let statistics = try? JSONDecoder().decode(Self.self, from: Data(json)) else { return nil }
        return statistics.brokers.values.contains { $0.source != "internal" && $0.state == "UP" }
    }
}
