import CRdKafka
import Dispatch
import Logging
import Synchronization

/// Creates topics if missing (admin API, rd_kafka_CreateTopics; TOPIC_ALREADY_EXISTS is success).
public enum KafkaAdmin {
    /// Creates each of `names` with `partitions` partitions and `replicationFactor` replicas, unless it exists;
    /// `timeout` bounds how long the broker may take to answer (and to finish creating the topics).
    /// Uses a short-lived client; everything from its creation to its destruction runs on a private dispatch queue.
    /// Throws `CancellationError` at once when the task is cancelled.
    public static func createTopics(
        _ names: [String],
        partitions: Int,
        replicationFactor: Int,
        configuration: KafkaConfiguration,
        timeout: Duration = .seconds(30),
        logger: Logger
    ) async throws {
        let milliseconds = timeout.milliseconds
        guard !names.isEmpty else { return }
        // Cancellation resumes the caller at once (a server shutting down does not wait out the
        // timeout for unreachable brokers); the abandoned request ends on its own queue.
        let waiting = Mutex<CheckedContinuation<Void, any Error>?>(nil)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                waiting.withLock { $0 = continuation }
                if Task.isCancelled { waiting.withLock { $0.take() }?.resume(throwing: CancellationError()) }
                DispatchQueue(label: "stamina.kafka.admin").async {
                    let result = Result {
                        let context = ClientContext(logger: logger)
                        let handle = try KafkaHandle.make(
                            RD_KAFKA_PRODUCER,
                            configuration: configuration,
                            defaults: [],
                            context: context
                        )
                        // The callbacks reach `context` until the handle is gone.
                        defer { withExtendedLifetime(context) { rd_kafka_destroy(handle.pointer) } }
                        try createTopics(
                            handle.pointer, names, partitions: partitions, replicationFactor: replicationFactor,
                            timeoutMilliseconds: milliseconds)
                    }
                    waiting.withLock { $0.take() }?.resume(with: result)
                }
            }
        } onCancel: {
            waiting.withLock { $0.take() }?.resume(throwing: CancellationError())
        }
        logger.debug("Kafka topics ready", metadata: ["kafka.topics": "\(names.joined(separator: ","))"])
    }

    /// The blocking part: sends the request and waits for its result event.
    private static func createTopics(
        _ rk: OpaquePointer,
        _ names: [String],
        partitions: Int,
        replicationFactor: Int,
        timeoutMilliseconds: Int32
    ) throws {
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for name in names {
            let (topic, message) = withErrorString {
                rd_kafka_NewTopic_new(name, Int32(partitions), Int32(replicationFactor), $0, $1)
            }
            guard let topic else {
                throw KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, message: "topic \(name): \(message)")
            }
            newTopics.append(topic)
        }
        let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        // These only fail for out-of-range values.
        for setTimeout in [rd_kafka_AdminOptions_set_request_timeout, rd_kafka_AdminOptions_set_operation_timeout] {
            _ = withErrorString { setTimeout(options, timeoutMilliseconds, $0, $1) }
        }
        let queue = rd_kafka_queue_new(rk)
        defer { rd_kafka_queue_destroy(queue) }
        rd_kafka_CreateTopics(rk, &newTopics, newTopics.count, options, queue)
        // librdkafka fails the request itself after the request timeout; the margin only guards against a hang.
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 5_000) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue, message: "no answer to CreateTopics")
        }
        defer { rd_kafka_event_destroy(event) }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let reason = Optional(rd_kafka_event_error_string(event)).map { String(cString: $0) } ?? ""
            throw KafkaError(code: err.rawValue, message: "CreateTopics failed: \(reason)")
        }
        var count = 0
        let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
        for index in 0..<count {
            let result = results![index]
            let err = rd_kafka_topic_result_error(result)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let name = String(cString: rd_kafka_topic_result_name(result))
                let reason = Optional(rd_kafka_topic_result_error_string(result)).map { String(cString: $0) } ?? ""
                throw KafkaError(code: err.rawValue, message: "cannot create topic \(name): \(reason)")
            }
        }
    }
}
