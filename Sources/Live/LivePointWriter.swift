import Foundation
import Logging
import Metrics
import Persistence
import ServiceLifecycle
import Synchronization

/// Makes live points durable in batches: every connection hands its points over with a callback; the
/// writer takes everything pending, writes it in one transaction and calls them all (group commit).
/// While a transaction runs, the next batch gathers, so the batch size follows the load and an
/// idle server writes a single point at once.
public final class LivePointWriter: Service {
    /// Made once, as `DeviceConnection.durable`.
    static let batchWrite = Timer(label: "stamina_live_batch_write_seconds")
    struct Pending {
        var sessionID: UUID
        var points: [LivePoint]
        var done: @Sendable (Result<Void, any Error>) -> Void
    }

    let database: any Database
    let logger: Logger
    /// How long a batch gathers before it is written: a few milliseconds of ack latency buy
    /// transactions of many points instead of one each when devices send at an even pace.
    let gatherTime: Duration
    /// Points waiting for the next transaction; nil once the writer has stopped.
    private let pending = Mutex<[Pending]?>([])
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    public init(database: any Database, logger: Logger, gatherTime: Duration = .milliseconds(4)) {
        self.database = database
        self.logger = logger
        self.gatherTime = gatherTime
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Calls `done` once the points are committed, or with the error that kept them from it.
    public func append(
        sessionID: UUID, points: [LivePoint], done: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        guard !points.isEmpty else { return done(.success(())) }
        let accepted = pending.withLock { pending in
            pending?.append(Pending(sessionID: sessionID, points: points, done: done))
            return pending != nil
        }
        if accepted {
            wake.yield()
        } else {
            done(.failure(LiveError(.unavailable, "The server is shutting down.")))
        }
    }

    /// Runs on a thread of its own (`DedicatedThreadExecutor`), not in the shared pool.
    public func run() async throws {
        await withTaskExecutorPreference(DedicatedThreadExecutor.livePointWriter) {
            await withGracefulShutdownHandler {
                for await _ in wakes {
                    try? await Task.sleep(for: gatherTime)
                    while true {
                        let batch = pending.withLock { pending in
                            defer { pending = [] }
                            return pending ?? []
                        }
                        if batch.isEmpty { break }
                        await write(batch)
                    }
                }
            } onGracefulShutdown: {
                self.wake.finish()
            }
        }
        // Nobody is left waiting: what arrived during shutdown is refused, not lost silently.
        let left = pending.withLock { pending in
            defer { pending = nil }
            return pending ?? []
        }
        for waiting in left {
            waiting.done(.failure(LiveError(.unavailable, "The server is shutting down.")))
        }
    }

    private func write(_ batch: [Pending]) async {
        do {
            let now = Date()
            let batches = batch.map { ($0.sessionID, $0.points) }
            try await database.autocommit { try await LiveStore.append(batches, receivedAt: now, in: $0) }
            let seconds = Date().timeIntervalSince(now)
            Self.batchWrite.recordSeconds(seconds)
            if seconds > 0.5 {
                // Every device of the batch waited this long for its ack.
                logger.warning(
                    "slow live points batch",
                    metadata: [
                        "milliseconds": "\(Int(seconds * 1_000))", "points": "\(batches.reduce(0) { $0 + $1.1.count })",
                    ])
            }
            for waiting in batch { waiting.done(.success(())) }
        } catch {
            logger.error("live points not stored", metadata: ["error": "\(String(reflecting: error))"])
            for waiting in batch { waiting.done(.failure(error)) }
        }
    }
}
