import CRdKafka
import Logging
import Synchronization

/// A librdkafka client handle (`rd_kafka_t *`).
///
/// `@unchecked Sendable` because librdkafka documents `rd_kafka_t` as thread-safe: its functions may be called from
/// any thread. This wrapper only carries the pointer; its owner destroys the handle once, after the last use.
struct KafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Creates a client from `configuration` plus the module's `defaults`, with `context` as the callbacks' opaque.
    /// librdkafka's log and error callbacks go to the context's logger; `configure` installs client-specific ones.
    static func make(
        _ type: rd_kafka_type_t,
        configuration: KafkaConfiguration,
        defaults: [(String, String)],
        context: ClientContext,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws -> KafkaHandle {
        let conf = try configuration.makeConf(defaults: defaults)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let context = ClientContext.from(rd_kafka_opaque(rk)) else { return }
            context.logger.log(
                level: Logger.Level(syslog: level),
                "librdkafka: \(message.map { String(cString: $0) } ?? "")",
                metadata: ["kafka.facility": "\(facility.map { String(cString: $0) } ?? "")"]
            )
        }
        rd_kafka_conf_set_error_cb(conf) { _, err, reason, opaque in
            ClientContext.from(opaque)?.handleError(
                rd_kafka_resp_err_t(err),
                reason: reason.map { String(cString: $0) } ?? ""
            )
        }
        configure(conf)
        let (created, message) = withErrorString { rd_kafka_new(type, conf, $0, $1) }
        guard let rk = created else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(
                code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, message: "cannot create Kafka client: \(message)")
        }
        context.logger.debug(
            "Kafka client created",
            metadata: [
                "kafka.librdkafka": "\(KafkaLibrary.version)", "kafka.client": "\(String(cString: rd_kafka_name(rk)))",
            ]
        )
        return KafkaHandle(pointer: rk)
    }
}

/// State shared between a client object, the thread that polls it and librdkafka's C callbacks, which reach it
/// through the handle's opaque pointer. It must outlive the handle: owners keep it until after `rd_kafka_destroy`.
final class ClientContext: Sendable {
    let logger: Logger
    /// Producer: whether a broker connection is known to be up (see `KafkaProducer.isConnected`).
    let connected = Mutex(false)
    /// Consumer: the partitions assigned by the last rebalance.
    let assignment = Mutex(Set<KafkaTopicPartition>())

    init(logger: Logger) {
        self.logger = logger
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> ClientContext? {
        opaque.map { Unmanaged<ClientContext>.fromOpaque($0).takeUnretainedValue() }
    }

    /// librdkafka's error callback: client-level errors are informational (it recovers by itself) except `_FATAL`.
    func handleError(_ err: rd_kafka_resp_err_t, reason: String) {
        let metadata: Logger.Metadata = ["kafka.error": "\(String(cString: rd_kafka_err2name(err)))"]
        switch err {
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
            connected.withLock { $0 = false }
            logger.warning("Kafka: all brokers down: \(reason)", metadata: metadata)
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__RESOLVE:
            logger.info("Kafka connection problem: \(reason)", metadata: metadata)
        case RD_KAFKA_RESP_ERR__FATAL:
            logger.error("Kafka fatal error: \(reason)", metadata: metadata)
        default:
            logger.warning("Kafka error: \(reason)", metadata: metadata)
        }
    }
}

extension Logger.Level {
    /// Maps a syslog level (librdkafka's log levels) to a swift-log level.
    init(syslog level: Int32) {
        switch level {
        case ...3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}
