/// The one error type of this module: a ``Code`` saying what went wrong and a human-readable message.
///
/// Server errors carry Redis's own message, e.g. `WRONGTYPE Operation against a key holding the wrong kind of value`.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. A struct with static members rather than an enum, so codes can be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        /// The server answered with an error reply; the message is Redis's.
        public static let server = Code("server")
        /// A connection could not be opened (refused, unreachable, connect timeout, failed AUTH or SELECT).
        public static let connectionFailed = Code("connectionFailed")
        /// The connection closed before the reply arrived.
        public static let connectionClosed = Code("connectionClosed")
        /// The server sent bytes that are not valid RESP; the connection was closed.
        public static let protocolError = Code("protocolError")
        /// No reply within the command timeout; the connection was closed.
        public static let timeout = Code("timeout")
        /// The client has been shut down.
        public static let poolClosed = Code("poolClosed")
        /// A configuration (such as a URL) could not be understood.
        public static let invalidConfiguration = Code("invalidConfiguration")
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "RedisError.\(code): \(message)" }

    /// The first word of a server error, e.g. `WRONGTYPE`, `NOSCRIPT` or `ERR`; nil for other codes.
    public var serverErrorPrefix: Substring? {
        guard code == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first
    }

    static let shutDown = RedisError(code: .poolClosed, message: "the Redis client has been shut down")
}
