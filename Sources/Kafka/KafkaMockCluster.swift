import CRdKafka
import Foundation
import Logging
import Synchronization

/// librdkafka's mock cluster, for tests: N brokers (ids 1...N) on 127.0.0.1 ephemeral ports inside this process.
///
/// The cluster belongs to an otherwise idle client created with `test.mock.num.brokers`; destroying that client
/// destroys the cluster. The fault-injection calls are quick requests to the cluster's own thread.
public final class KafkaMockCluster: Sendable {
    /// The owning client; nil once destroyed.
    private let handle: Mutex<KafkaHandle?>
    /// The owning client's callback state. Its logger is silenced: that client only sees its own brokers go down.
    private let context: ClientContext
    /// The brokers' addresses, `127.0.0.1:PORT,...`, for `KafkaConfiguration.bootstrapServers`.
    public let bootstrapServers: String

    public init(brokers: Int) throws {
        var logger = Logger(label: "stamina.kafka.mock-cluster")
        logger.logLevel = .critical
        context = ClientContext(logger: logger)
        let handle = try KafkaHandle.make(
            RD_KAFKA_PRODUCER,
            configuration: KafkaConfiguration(
                bootstrapServers: "",
                clientID: "stamina-mock-cluster",
                properties: ["test.mock.num.brokers": "\(brokers)"]
            ),
            defaults: [],
            context: context
        )
        guard let cluster = rd_kafka_handle_mock_cluster(handle.pointer) else {
            rd_kafka_destroy(handle.pointer)
            throw KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, message: "cannot create a mock cluster")
        }
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.handle = Mutex(handle)
    }

    deinit {
        destroy()
    }

    /// Creates a topic with `partitions` partitions, each replicated on `replicationFactor` brokers.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int) throws {
        try withCluster("create topic \(name)") {
            rd_kafka_mock_topic_create($0, name, Int32(partitions), Int32(replicationFactor))
        }
    }

    /// Makes broker `brokerID` (1...N) close its connections and refuse new ones (rd_kafka_mock_broker_set_down).
    public func setBrokerDown(_ brokerID: Int32) throws {
        try withCluster("set broker \(brokerID) down") { rd_kafka_mock_broker_set_down($0, brokerID) }
    }

    /// Lets broker `brokerID` accept connections again (rd_kafka_mock_broker_set_up).
    public func setBrokerUp(_ brokerID: Int32) throws {
        try withCluster("set broker \(brokerID) up") { rd_kafka_mock_broker_set_up($0, brokerID) }
    }

    /// Next `errors.count` requests of `apiKey` (e.g. 0 = Produce, 8 = OffsetCommit, 1 = Fetch) fail with these error
    /// codes, in order (`-195`, `_TRANSPORT`, makes the broker drop the connection instead).
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) throws {
        let codes = errors.map { rd_kafka_resp_err_t($0) }
        try withCluster("push request errors") { cluster in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, codes)
            return RD_KAFKA_RESP_ERR_NO_ERROR
        }
    }

    /// Stops the brokers and frees the cluster; idempotent, also on deinit. Returns at once: the teardown (which joins
    /// librdkafka's threads) runs on a thread of its own.
    public func destroy() {
        guard let handle = handle.withLock({ $0.take() }) else { return }
        Thread.detachNewThread { [context] in
            withExtendedLifetime(context) { rd_kafka_destroy(handle.pointer) }
        }
    }

    private func withCluster(_ action: String, _ body: (OpaquePointer) -> rd_kafka_resp_err_t) throws {
        let err = try handle.withLock { handle in
            guard let handle else { throw KafkaError.closed("mock cluster") }
            return body(rd_kafka_handle_mock_cluster(handle.pointer)!)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "mock cluster: cannot \(action)") }
    }
}
