import NIOCore

/// Commands written together, and the promise for their replies.
struct RedisRequest: Sendable {
    var commands: [RESPCommand]
    /// How many replies answer `commands`: one per command, but one per channel for SUBSCRIBE and PSUBSCRIBE.
    var replyCount: Int
    /// Pipelines get all replies as one array; a single command gets its reply as is.
    var collectsReplies: Bool
    var promise: EventLoopPromise<RESPValue>
}

/// Matches replies to requests in the order they were written, so a connection can carry many requests in flight.
///
/// On a subscriber connection, `message` and `pmessage` pushes go to `onMessage` instead. A request unanswered
/// after the command timeout fails with ``RedisError/Code/timeout`` and closes the connection, since the replies
/// still owed can no longer be matched safely; so does a protocol error. When the connection closes, every
/// request still waiting fails.
final class RedisConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = RESPCommand

    private struct Pending {
        var promise: EventLoopPromise<RESPValue>
        var remainingReplies: Int
        var collectsReplies: Bool
        var replies: [RESPValue]
        var deadline: NIODeadline
    }

    private let endpoint: String
    private let commandTimeout: Duration
    private let commandTimeoutAmount: TimeAmount
    private let onMessage: (@Sendable (RedisPubSubMessage) -> Void)?
    private var pending = CircularBuffer<Pending>()
    private var timeoutCheck: Scheduled<Void>?
    /// Set once the connection has failed; later requests fail with it at once.
    private var failure: RedisError?

    init(endpoint: String, commandTimeout: Duration, onMessage: (@Sendable (RedisPubSubMessage) -> Void)?) {
        self.endpoint = endpoint
        self.commandTimeout = commandTimeout
        self.commandTimeoutAmount = TimeAmount(commandTimeout)
        self.onMessage = onMessage
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let failure {
            request.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        expectReplies(request.replyCount, collecting: request.collectsReplies, promise: request.promise, context)
        for (index, command) in request.commands.enumerated() {
            context.write(wrapOutboundOut(command), promise: index == request.commands.count - 1 ? promise : nil)
        }
    }

    /// The health check: a connection that has received nothing for a while (see ``IdleStateHandler``) is sent a
    /// PING, which the command timeout then covers. Busy connections need none: their requests are covered already.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .read = event as? IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard pending.isEmpty, failure == nil else { return }
        let promise = context.eventLoop.makePromise(of: RESPValue.self)
        expectReplies(1, collecting: false, promise: promise, context)
        context.writeAndFlush(wrapOutboundOut(RESPCommand(name: "PING", arguments: [])), promise: nil)
    }

    private func expectReplies(
        _ count: Int,
        collecting: Bool,
        promise: EventLoopPromise<RESPValue>,
        _ context: ChannelHandlerContext
    ) {
        pending.append(
            Pending(
                promise: promise,
                remainingReplies: count,
                collectsReplies: collecting,
                replies: [],
                deadline: .now() + commandTimeoutAmount
            )
        )
        scheduleTimeoutCheck(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if let onMessage, let message = RedisPubSubMessage(push: value) {
            onMessage(message)
            return
        }
        guard !pending.isEmpty else {
            fail(RedisError(code: .protocolError, message: "unexpected reply from Redis at \(endpoint)"), context)
            return
        }
        pending[pending.startIndex].remainingReplies -= 1
        if pending[pending.startIndex].collectsReplies {
            pending[pending.startIndex].replies.append(value)
        }
        guard pending[pending.startIndex].remainingReplies == 0 else { return }
        let done = pending.removeFirst()
        done.promise.succeed(done.collectsReplies ? .array(done.replies) : value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failPending(RedisError(code: .connectionClosed, message: "connection to Redis at \(endpoint) closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let redisError =
            error as? RedisError
            ?? RedisError(code: .connectionClosed, message: "connection to Redis at \(endpoint) failed: \(error)")
        fail(redisError, context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failPending(RedisError(code: .connectionClosed, message: "connection to Redis at \(endpoint) closed"))
    }

    private func fail(_ error: RedisError, _ context: ChannelHandlerContext) {
        failPending(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: RedisError) {
        if failure == nil { failure = error }
        timeoutCheck?.cancel()
        timeoutCheck = nil
        while let request = pending.popFirst() {
            request.promise.fail(error)
        }
    }

    /// Keeps one timer armed for the oldest request; replies are in order, so only the oldest can be late.
    private func scheduleTimeoutCheck(context: ChannelHandlerContext) {
        guard timeoutCheck == nil, let oldest = pending.first else { return }
        timeoutCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: oldest.deadline) {
            self.timeoutCheck = nil
            guard let oldest = self.pending.first else { return }
            if oldest.deadline <= .now() {
                let error = RedisError(
                    code: .timeout,
                    message: "Redis at \(self.endpoint) did not reply within \(self.commandTimeout); connection closed"
                )
                self.fail(error, context)
            } else {
                self.scheduleTimeoutCheck(context: context)
            }
        }
    }
}
