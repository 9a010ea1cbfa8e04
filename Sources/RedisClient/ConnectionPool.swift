import Logging
import NIOCore
import Synchronization

/// A fixed number of lazily opened command connections, used round-robin. Each connection pipelines many
/// commands, so a request never waits for a free connection, only (once) for one being opened.
///
/// A closed connection frees its slot and the next request there opens a new one. After a failed connect, new
/// connects are refused for a backoff delay that grows with each failure, so an outage costs callers a fast error
/// rather than a connect attempt each; requests still go to any connection that is open.
final class ConnectionPool: Sendable {
    private enum Slot {
        case idle
        case connecting(EventLoopFuture<RedisConnection>)
        case connected(RedisConnection)
    }

    private struct State {
        var slots: [Slot]
        var next = 0
        var isClosed = false
        var consecutiveFailures = 0
        var lastFailure: RedisError?
        var retryAt = NIODeadline.uptimeNanoseconds(0)
    }

    private enum Action {
        case use(RedisConnection)
        case wait(EventLoopFuture<RedisConnection>)
        case connect(slot: Int, promise: EventLoopPromise<RedisConnection>)
        case fail(RedisError)
    }

    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state: Mutex<State>

    init(configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.state = Mutex(State(slots: Array(repeating: .idle, count: max(configuration.poolSize, 1))))
    }

    /// A connection for the next request: an open one, one being opened, or a new one.
    func connection() async throws -> RedisConnection {
        let eventLoop = eventLoopGroup.next()
        let action = state.withLock { state -> Action in
            if state.isClosed { return .fail(.shutDown) }
            let index = state.next
            state.next = (index + 1) % state.slots.count
            switch state.slots[index] {
            case .connected(let connection):
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .idle:
                if let failure = state.lastFailure, NIODeadline.now() < state.retryAt {
                    for case .connected(let connection) in state.slots { return .use(connection) }
                    return .fail(failure)
                }
                let promise = eventLoop.makePromise(of: RedisConnection.self)
                state.slots[index] = .connecting(promise.futureResult)
                return .connect(slot: index, promise: promise)
            }
        }
        switch action {
        case .use(let connection):
            return connection
        case .wait(let future):
            return try await future.get()
        case .fail(let error):
            throw error
        case .connect(let slot, let promise):
            RedisConnection.connect(configuration: configuration, eventLoop: eventLoop).whenComplete { result in
                self.connectFinished(slot: slot, result: result, promise: promise)
            }
            return try await promise.futureResult.get()
        }
    }

    private func connectFinished(
        slot: Int,
        result: Result<RedisConnection, any Error>,
        promise: EventLoopPromise<RedisConnection>
    ) {
        let closed = state.withLock { state -> Bool in
            guard !state.isClosed else { return true }
            switch result {
            case .success(let connection):
                state.slots[slot] = .connected(connection)
                state.consecutiveFailures = 0
                state.lastFailure = nil
            case .failure(let error):
                state.slots[slot] = .idle
                state.consecutiveFailures += 1
                state.lastFailure = error as? RedisError
                let delay = reconnectDelay(afterFailures: state.consecutiveFailures, configuration)
                state.retryAt = .now() + TimeAmount(delay)
            }
            return false
        }
        switch result {
        case .success(let connection) where closed:
            connection.close()
            promise.fail(RedisError.shutDown)
        case .success(let connection):
            logger.debug("Redis connection opened", metadata: ["redis.endpoint": "\(configuration.endpoint)"])
            connection.channel.closeFuture.whenComplete { _ in self.connectionClosed(connection, slot: slot) }
            promise.succeed(connection)
        case .failure(let error):
            logger.warning("Redis connect failed", metadata: ["redis.error": "\(error)"])
            promise.fail(error)
        }
    }

    private func connectionClosed(_ connection: RedisConnection, slot: Int) {
        state.withLock { state in
            if case .connected(let current) = state.slots[slot], current.channel === connection.channel {
                state.slots[slot] = .idle
            }
        }
        logger.debug("Redis connection closed", metadata: ["redis.endpoint": "\(configuration.endpoint)"])
    }

    /// Refuses new requests, closes every connection and waits for connects in progress to end.
    func close() async {
        let slots = state.withLock { state in
            state.isClosed = true
            defer { state.slots = state.slots.map { _ in .idle } }
            return state.slots
        }
        for slot in slots {
            switch slot {
            case .idle:
                break
            case .connecting(let future):
                // connectFinished closes it, seeing the pool closed.
                _ = try? await future.get()
            case .connected(let connection):
                connection.close()
                try? await connection.channel.closeFuture.get()
            }
        }
    }
}

/// The delay before reconnect attempt number `failures + 1`: exponential from the base delay, capped, with jitter
/// so that many processes don't reconnect in lockstep.
func reconnectDelay(afterFailures failures: Int, _ configuration: RedisConfiguration) -> Duration {
    let exponential = configuration.reconnectBaseDelay * (1 << min(max(failures - 1, 0), 16))
    let capped = min(exponential, configuration.reconnectMaxDelay)
    return capped * Double.random(in: 0.5...1.0)
}
