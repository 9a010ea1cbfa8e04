import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One TCP connection to Redis with the RESP codec and a ``RedisConnectionHandler`` in its pipeline.
struct RedisConnection: Sendable {
    let channel: any Channel
    /// `host:port`, for messages.
    let endpoint: String

    /// Connects, then authenticates and selects the database if the configuration asks for it.
    ///
    /// Every failure, including a refused connection and a rejected AUTH, is a ``RedisError/Code/connectionFailed``
    /// error; the channel is closed then. `onMessage` makes this a subscriber connection.
    static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        onMessage: (@Sendable (RedisPubSubMessage) -> Void)? = nil
    ) -> EventLoopFuture<RedisConnection> {
        let endpoint = configuration.endpoint
        let commandTimeout = configuration.commandTimeout
        let healthCheckInterval = configuration.healthCheckInterval
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let healthCheckInterval {
                        try channel.pipeline.syncOperations.addHandler(
                            IdleStateHandler(readTimeout: TimeAmount(healthCheckInterval))
                        )
                    }
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(RESPDecoder()),
                        MessageToByteHandler(RESPEncoder()),
                        RedisConnectionHandler(endpoint: endpoint, commandTimeout: commandTimeout, onMessage: onMessage)
                    )
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .map { RedisConnection(channel: $0, endpoint: endpoint) }
            .flatMapErrorThrowing { error in
                throw RedisError(
                    code: .connectionFailed,
                    message: "cannot connect to Redis at \(endpoint): \(describeConnectError(error))"
                )
            }
        let handshake = configuration.handshakeCommands
        guard !handshake.isEmpty else { return connected }
        return connected.flatMap { connection in
            connection.write(handshake, replyCount: handshake.count, collectsReplies: true)
                .flatMapThrowing { replies in
                    if let message = replies.array?.lazy.compactMap(\.serverError).first {
                        throw RedisError(code: .connectionFailed, message: "Redis at \(endpoint) refused: \(message)")
                    }
                    return connection
                }
                .flatMapErrorThrowing { error in
                    connection.close()
                    throw error
                }
        }
    }

    /// Writes commands and returns the future of their replies (see ``RedisRequest``).
    func write(_ commands: [RESPCommand], replyCount: Int, collectsReplies: Bool) -> EventLoopFuture<RESPValue> {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let request = RedisRequest(
            commands: commands,
            replyCount: replyCount,
            collectsReplies: collectsReplies,
            promise: promise
        )
        // A write that never reaches the handler (the channel is already closed) must still fail the request.
        channel.writeAndFlush(request).whenFailure { [endpoint] error in
            promise.fail(
                error as? RedisError
                    ?? RedisError(
                        code: .connectionClosed, message: "connection to Redis at \(endpoint) closed: \(error)")
            )
        }
        return promise.futureResult
    }

    /// Sends one command and returns its reply; a server error reply is thrown as ``RedisError/Code/server``.
    func send(_ command: RESPCommand) async throws -> RESPValue {
        let reply = try await write([command], replyCount: 1, collectsReplies: false).get()
        if let message = reply.serverError { throw RedisError(code: .server, message: message) }
        return reply
    }

    func close() {
        channel.close(promise: nil)
    }

    /// "Connection refused" rather than NIO's nested error descriptions.
    private static func describeConnectError(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            let causes =
                error.connectionErrors.map { describeConnectError($0.error) }
                + [error.dnsAError, error.dnsAAAAError].compactMap { $0.map { "name resolution failed: \($0)" } }
            return causes.isEmpty ? "\(error)" : causes.joined(separator: "; ")
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        case ChannelError.connectTimeout(let timeout):
            return "no connection within \(Duration.nanoseconds(timeout.nanoseconds))"
        default:
            return "\(error)"
        }
    }
}

extension RESPValue {
    /// The message of an error reply.
    var serverError: String? {
        if case .error(let message) = self { return message }
        return nil
    }
}
