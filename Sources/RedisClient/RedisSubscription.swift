import Logging
import Synchronization

/// A message received on a subscription.
public struct RedisPubSubMessage: Sendable, Equatable {
    /// The channel it was published to.
    public var channel: String
    /// The pattern that matched, for ``RedisClient/psubscribe(to:)``; nil for plain subscriptions.
    public var pattern: String?
    public var payload: [UInt8]

    public init(channel: String, pattern: String? = nil, payload: [UInt8]) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }

    /// The payload decoded as UTF-8.
    public var string: String { String(decoding: payload, as: UTF8.self) }

    /// Reads `message channel payload` or `pmessage pattern channel payload`; nil for any other reply.
    init?(push: RESPValue) {
        guard case .array(let elements?) = push, let kind = elements.first?.bytes else { return nil }
        if elements.count == 3, kind.elementsEqual("message".utf8),
            let channel = elements[1].string, let payload = elements[2].bytes
        {
            self.init(channel: channel, payload: payload)
        } else if elements.count == 4, kind.elementsEqual("pmessage".utf8),
            let pattern = elements[1].string, let channel = elements[2].string, let payload = elements[3].bytes
        {
            self.init(channel: channel, pattern: pattern, payload: payload)
        } else {
            return nil
        }
    }
}

/// The messages of a subscription, in the order Redis sent them. Iterate it once.
///
/// It ends when the iterating task is cancelled or the client shuts down; ending the iteration (or dropping the
/// subscription) unsubscribes and closes its connection. If the connection is lost, the client re-subscribes with
/// backoff and the sequence goes on: messages published while it was disconnected are missed (and the gap logged),
/// as Redis pub/sub keeps no history.
public struct RedisSubscription: AsyncSequence, Sendable {
    public typealias Element = RedisPubSubMessage
    public typealias Failure = Never

    let stream: AsyncStream<RedisPubSubMessage>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<RedisPubSubMessage>.Iterator

        public mutating func next() async -> RedisPubSubMessage? {
            await base.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> RedisPubSubMessage? {
            await base.next(isolation: actor)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator())
    }
}

/// One subscription as the client keeps it: what to (re-)subscribe to, and the stream its messages feed.
final class ActiveSubscription: Sendable {
    /// SUBSCRIBE or PSUBSCRIBE with the channels or patterns.
    let command: RESPCommand
    let targets: [String]
    let continuation: AsyncStream<RedisPubSubMessage>.Continuation
    private let logger: Logger
    private let dropped = Atomic<Int>(0)

    init(
        command: String,
        targets: [String],
        continuation: AsyncStream<RedisPubSubMessage>.Continuation,
        logger: Logger
    ) {
        self.command = RESPCommand(name: command, arguments: targets.map { RESPArgument($0) })
        self.targets = targets
        self.continuation = continuation
        self.logger = logger
    }

    /// Called on the event loop for each message; warns when a slow consumer makes the buffer drop messages.
    func deliver(_ message: RedisPubSubMessage) {
        guard case .dropped = continuation.yield(message) else { return }
        let count = dropped.wrappingAdd(1, ordering: .relaxed).newValue
        if count == 1 || count.isMultiple(of: 1000) {
            logger.warning(
                "Redis subscriber is not keeping up; dropping the oldest buffered messages",
                metadata: ["redis.dropped": "\(count)", "redis.subscription": "\(description)"]
            )
        }
    }

    /// E.g. `SUBSCRIBE gps.live`, for logs.
    var description: String { ([command.name] + targets).joined(separator: " ") }
}
