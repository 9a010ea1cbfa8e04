import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A Redis client: a pool of pipelined command connections, plus one dedicated connection per subscription.
///
/// Lifetime: the client owns all its background work (one task per subscription, which re-subscribes after a
/// lost connection). Call ``shutdown()`` when done: it ends every subscription, closes every connection and
/// returns when all of that has finished. Commands after shutdown fail with ``RedisError/Code/poolClosed``.
///
/// Commands share connections, so connection state must not be changed with ``send(_:_:)``: no SELECT, no blocking
/// commands (BLPOP and the like would hold up everyone else's replies) and no WATCH. A MULTI/EXEC transaction is
/// fine inside one ``pipeline(_:)`` call, whose commands are written together with nothing in between.
public final class RedisClient: Sendable {
    private struct Subscriptions {
        var isShutdown = false
        var nextID = 0
        var tasks: [Int: Task<Void, Never>] = [:]
    }

    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let pool: ConnectionPool
    private let subscriptions = Mutex(Subscriptions())

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.pool = ConnectionPool(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Sends one command on a pooled connection (connections are created lazily, reconnected on failure).
    /// An error reply from Redis is thrown as a ``RedisError`` with code ``RedisError/Code/server`` and Redis's message.
    public func send(_ command: String, _ arguments: [RESPArgument] = []) async throws -> RESPValue {
        try await pool.connection().send(RESPCommand(name: command, arguments: arguments))
    }

    /// Pipelined: many commands, one round trip, results in order. Error replies are returned in place as
    /// ``RESPValue/error(_:)`` rather than thrown, so one failing command doesn't hide the others' results.
    public func pipeline(_ commands: [(String, [RESPArgument])]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let encoded = commands.map { RESPCommand(name: $0.0, arguments: $0.1) }
        let connection = try await pool.connection()
        let replies = try await connection.write(encoded, replyCount: encoded.count, collectsReplies: true).get()
        return replies.array ?? []
    }

    /// Subscribes to channels on a dedicated connection. Returns once Redis has confirmed the subscription, so
    /// everything published afterwards is received. See ``RedisSubscription`` for reconnects and ending it.
    ///
    /// Every call opens a connection: subscribe once per process (a pattern such as `gps.*` covers many channels)
    /// and fan out to local listeners, rather than once per spectator.
    public func subscribe(to channels: [String]) async throws -> RedisSubscription {
        try await startSubscription(command: "SUBSCRIBE", targets: channels)
    }

    /// Like ``subscribe(to:)`` for glob-style patterns (`gps.*`); messages carry the matching pattern.
    public func psubscribe(to patterns: [String]) async throws -> RedisSubscription {
        try await startSubscription(command: "PSUBSCRIBE", targets: patterns)
    }

    /// Ends all subscriptions, closes all connections and waits until all of it is done. Safe to call twice.
    public func shutdown() async {
        let tasks = subscriptions.withLock { subscriptions in
            subscriptions.isShutdown = true
            return Array(subscriptions.tasks.values)
        }
        for task in tasks {
            task.cancel()
        }
        await pool.close()
        for task in tasks {
            await task.value
        }
    }

    private func startSubscription(command: String, targets: [String]) async throws -> RedisSubscription {
        precondition(!targets.isEmpty, "subscribe to at least one channel or pattern")
        guard !subscriptions.withLock(\.isShutdown) else { throw RedisError.shutDown }
        let (stream, continuation) = AsyncStream.makeStream(
            of: RedisPubSubMessage.self,
            bufferingPolicy: .bufferingNewest(max(configuration.subscriptionBufferSize, 1))
        )
        let subscription = ActiveSubscription(
            command: command,
            targets: targets,
            continuation: continuation,
            logger: logger
        )
        let connection: RedisConnection
        do {
            connection = try await openSubscriber(subscription)
        } catch {
            continuation.finish()
            throw error
        }
        let started = subscriptions.withLock { subscriptions -> Bool in
            guard !subscriptions.isShutdown else { return false }
            let id = subscriptions.nextID
            subscriptions.nextID += 1
            let task = Task {
                await self.maintain(subscription, connection: connection)
                _ = self.subscriptions.withLock { $0.tasks.removeValue(forKey: id) }
            }
            subscriptions.tasks[id] = task
            continuation.onTermination = { _ in task.cancel() }
            return true
        }
        guard started else {
            connection.close()
            continuation.finish()
            throw RedisError.shutDown
        }
        return RedisSubscription(stream: stream)
    }

    /// Opens a subscriber connection and waits for Redis to confirm every channel or pattern.
    private func openSubscriber(_ subscription: ActiveSubscription) async throws -> RedisConnection {
        let connection = try await RedisConnection.connect(
            configuration: configuration,
            eventLoop: eventLoopGroup.next(),
            onMessage: subscription.deliver
        ).get()
        do {
            let confirmations = try await connection.write(
                [subscription.command],
                replyCount: subscription.targets.count,
                collectsReplies: true
            ).get()
            if let message = confirmations.array?.lazy.compactMap(\.serverError).first {
                throw RedisError(code: .server, message: message)
            }
            return connection
        } catch {
            connection.close()
            throw error
        }
    }

    /// Runs for the life of a subscription: waits for its connection to close, then re-subscribes with backoff,
    /// until cancelled (by the consumer going away or by shutdown).
    private func maintain(_ subscription: ActiveSubscription, connection first: RedisConnection) async {
        let metadata: Logger.Metadata = [
            "redis.subscription": "\(subscription.description)",
            "redis.endpoint": "\(configuration.endpoint)",
        ]
        var connection = first
        while true {
            let current = connection
            await withTaskCancellationHandler {
                try? await current.channel.closeFuture.get()
            } onCancel: {
                current.close()
            }
            if Task.isCancelled { break }
            let lostAt = ContinuousClock.now
            logger.warning("Redis subscription connection lost; re-subscribing", metadata: metadata)
            guard let next = await resubscribe(subscription) else { break }
            logger.notice(
                "Redis subscription restored; messages published during the gap were missed",
                metadata: metadata.merging(["redis.gap": "\(lostAt.duration(to: .now))"]) { $1 }
            )
            connection = next
        }
        subscription.continuation.finish()
    }

    /// Retries ``openSubscriber(_:)`` until it succeeds; nil once cancelled.
    private func resubscribe(_ subscription: ActiveSubscription) async -> RedisConnection? {
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await openSubscriber(subscription)
                guard !Task.isCancelled else {
                    connection.close()
                    return nil
                }
                return connection
            } catch {
                failures += 1
                let delay = reconnectDelay(afterFailures: failures, configuration)
                logger.debug(
                    "Redis re-subscribe failed", metadata: ["redis.error": "\(error)", "redis.retryIn": "\(delay)"])
                guard (try? await Task.sleep(for: delay)) != nil else { return nil }
            }
        }
        return nil
    }
}
