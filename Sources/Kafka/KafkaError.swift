import CRdKafka

/// The one error type of this module.
///
/// `code` is librdkafka's `rd_kafka_resp_err_t` raw value: broker errors are positive (6 = NOT_LEADER_FOR_PARTITION),
/// client-side errors negative. The module reports its own failures with librdkafka's client-side codes:
/// `-186` (`_INVALID_ARG`) for a bad configuration, `-172` (`_STATE`) for use after `shutdown()`/`close()` and
/// `-185` (`_TIMED_OUT`) when an admin request got no answer.
public struct KafkaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// librdkafka's `rd_kafka_resp_err_t` raw value (see above).
    public var code: Int32
    /// What failed, with librdkafka's or the broker's explanation.
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        let name = String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(code)))
        return "KafkaError \(name) (\(code)): \(message)"
    }

    /// An error for `err`, described by librdkafka's text for it, prefixed with `context`.
    init(_ err: rd_kafka_resp_err_t, _ context: String) {
        self.init(code: err.rawValue, message: "\(context): \(String(cString: rd_kafka_err2str(err)))")
    }

    /// Takes ownership of (and destroys) a librdkafka `rd_kafka_error_t`.
    init(consuming error: OpaquePointer, _ context: String) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            message: "\(context): \(String(cString: rd_kafka_error_string(error)))")
    }

    static func closed(_ what: String) -> KafkaError {
        KafkaError(code: RD_KAFKA_RESP_ERR__STATE.rawValue, message: "\(what) is closed")
    }
}

/// Calls `body` with a buffer for librdkafka's `errstr` out-parameter; returns its result and the text written there.
func withErrorString<T>(_ body: (UnsafeMutablePointer<CChar>, Int) -> T) -> (result: T, message: String) {
    var buffer = [CChar](repeating: 0, count: 512)
    let result = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
    return (result, buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
}
