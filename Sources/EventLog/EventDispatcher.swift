import Foundation
import Logging
import Metrics
import Persistence
import ServiceLifecycle

/// How the dispatcher retries and paces itself.
public struct DispatcherConfiguration: Sendable {
    /// Events read and applied per transaction.
    public var batchSize = 500
    /// Attempts per event before it goes to the dead letters.
    public var maxAttempts = 5
    /// Delay before the second attempt; doubles with each further attempt.
    public var initialBackoff = Duration.milliseconds(50)
    /// How long to wait for a commit signal before looking at the log anyway (a commit whose
    /// announcement was lost, say by a process killed right after it, is only seen this way).
    public var pollInterval = Duration.seconds(1)

    public init() {}
}

/// Delivers outbox events to consumers, in order, in-process (embedded mode).
///
/// Each consumer's position is stored with the effects of the events it applied, in one
/// transaction per batch: a crash between commit and dispatch loses nothing (the events wait in
/// the log) and a redelivery after a crash never applies an event twice. An event that keeps
/// failing is retried with exponential backoff, then recorded as a dead letter and passed over, so
/// one bad event cannot stop a consumer.
public struct EventDispatcher: Service {
    let database: any Database
    public let consumers: [any EventConsumer]
    let configuration: DispatcherConfiguration
    let logger: Logger
    let outbox = Outbox()
    /// Awaited before the first dispatch (the server opens it once migrations are done).
    let ready: (@Sendable () async -> Void)?

    public init(
        database: any Database, consumers: [any EventConsumer], configuration: DispatcherConfiguration = .init(),
        logger: Logger, ready: (@Sendable () async -> Void)? = nil
    ) {
        self.database = database
        self.consumers = consumers
        self.configuration = configuration
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await ready?()
            while !Task.isCancelled {
                let generation = database.commits.generation
                do {
                    var busy = false
                    for consumer in consumers {
                        busy = try await dispatchBatch(to: consumer) > 0 || busy
                    }
                    if busy { continue }
                } catch {
                    // A statement interrupted by shutdown fails with a wrapped cancellation: nothing to report.
                    if Task.isCancelled { return }
                    logger.warning("event dispatch failed; retrying", metadata: ["error": "\(error)"])
                }
                await database.commits.wait(after: generation, timeout: configuration.pollInterval)
            }
        }
    }

    /// Applies every event the consumers have not seen yet and returns when they are all caught up.
    /// For tests, commands and rebuilds.
    public func drain() async throws {
        for consumer in consumers {
            while try await dispatchBatch(to: consumer) > 0 {}
        }
    }

    /// Applies the next batch to `consumer`; returns how many events it handled.
    func dispatchBatch(to consumer: any EventConsumer) async throws -> Int {
        let batchSize = configuration.batchSize
        let outbox = self.outbox
        let (events, head) = try await database.read { session in
            let position = try await ConsumerStore.position(of: consumer.name, in: session)
            let events = try await outbox.read(after: position, limit: batchSize, in: session)
            // A batch short of the limit ends at the log's head: no need to look it up.
            let head = events.count < batchSize ? events.last?.position : try await Outbox.head(in: session)
            return (events, head)
        }
        guard let last = events.last, let head else { return 0 }
        try await applier(for: consumer).apply(events, stream: ConsumerStore.wholeLog)
        Self.recordLag(of: consumer, head: head, at: last.position)
        return events.count
    }

    func applier(for consumer: any EventConsumer) -> EventApplier {
        EventApplier(database: database, consumer: consumer, configuration: configuration, logger: logger)
    }

    /// Publishes the log's head and how far behind it the consumer is (`/metrics`).
    static func recordLag(of consumer: any EventConsumer, head: Int64, at position: Int64) {
        Gauge(label: "stamina_outbox_head_position").record(head)
        Gauge(label: "stamina_consumer_lag_events", dimensions: [("consumer", consumer.name)]).record(
            head - position)
    }

    /// Applies a dead letter's event again; on success the dead letter is removed.
    public func replay(consumer name: String, position: Int64) async throws {
        guard let consumer = consumers.first(where: { $0.name == name }) else {
            throw DispatchError("no consumer named \(name)")
        }
        let outbox = self.outbox
        try await database.transaction { session in
            guard let event = try await outbox.read(after: position - 1, limit: 1, in: session).first,
                event.position == position
            else { throw DispatchError("no event at position \(position)") }
            try await consumer.apply(event, in: session)
            try await ConsumerStore.removeDeadLetter(consumer: name, position: position, in: session)
        }
    }

    /// Rebuilds a consumer's read model in one transaction: reset, then every event of the log again
    /// (but its dead letters). An event that fails now fails the rebuild, which changes nothing.
    ///
    /// The transaction holds the consumer's lock, so consumers running elsewhere (Kafka mode) wait
    /// and then skip what the rebuild applied.
    public func rebuild(consumer name: String) async throws {
        guard let consumer = consumers.first(where: { $0.name == name }) else {
            throw DispatchError("no consumer named \(name); known: \(consumers.map(\.name).joined(separator: ", "))")
        }
        let (outbox, batchSize) = (self.outbox, configuration.batchSize)
        try await database.transaction { session in
            _ = try await ConsumerStore.lockedPosition(of: name, stream: ConsumerStore.wholeLog, in: session)
            try await consumer.reset(in: session)
            // Dead letters stay skipped, as they were when the model was built incrementally.
            let skipped = Set(
                try await ConsumerStore.deadLetters(in: session).filter { $0.consumer == name }.map(\.position))
            var position: Int64 = 0
            while true {
                let events = try await outbox.read(after: position, limit: batchSize, in: session)
                guard let last = events.last else { break }
                for event in events where !skipped.contains(event.position) {
                    try await consumer.apply(event, in: session)
                }
                position = last.position
            }
            try await ConsumerStore.resetPositions(of: name, to: position, in: session)
        }
    }
}

/// A dispatcher operation that cannot be done (unknown consumer or position).
public struct DispatchError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
