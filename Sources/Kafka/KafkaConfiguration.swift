import CRdKafka

/// Connection settings shared by producers, consumers and admin requests.
public struct KafkaConfiguration: Sendable {
    /// Comma-separated `host:port` list, e.g. `"127.0.0.1:9092,127.0.0.1:9093"`.
    public var bootstrapServers: String
    /// librdkafka's `client.id`, shown in broker logs and metrics.
    public var clientID: String
    /// Extra librdkafka properties (see librdkafka's CONFIGURATION.md), applied last, so they override the module's.
    public var properties: [String: String]

    public init(bootstrapServers: String, clientID: String = "stamina", properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
    }

    /// Builds an `rd_kafka_conf_t`: bootstrap servers and client id, then the module's `defaults`, then `properties`.
    /// The caller owns the result (rd_kafka_new takes it over on success).
    func makeConf(defaults: [(String, String)]) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        let settings =
            [("bootstrap.servers", bootstrapServers), ("client.id", clientID)] + defaults
            + properties.sorted { $0.key < $1.key }
        for (name, value) in settings {
            let (status, message) = withErrorString { rd_kafka_conf_set(conf, name, value, $0, $1) }
            if status != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                    message: "invalid configuration property \(name)=\(value): \(message)"
                )
            }
        }
        return conf
    }
}

/// The librdkafka library loaded at run time (which may differ from the headers built against).
public enum KafkaLibrary {
    /// librdkafka's version string, e.g. `"2.0.2"`.
    public static var version: String { String(cString: rd_kafka_version_str()) }
    /// librdkafka's version as `0xMMmmrrxx` (major, minor, revision, pre-release; `0xff` for a release).
    public static var versionNumber: Int { Int(rd_kafka_version()) }
    /// Whether librdkafka handles KIP-482 tagged fields correctly (2.2.0 and later); brokers such as tansu need it.
    public static var supportsTaggedFields: Bool { versionNumber >= 0x0202_0000 }
}
