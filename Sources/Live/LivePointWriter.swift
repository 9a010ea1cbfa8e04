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
///
/// On PostgreSQL a batch goes straight into `live_points`. On SQLite it is appended to
/// `live_points_log` instead, and the writer keeps the points in memory (`LoggedPoints`) until a
/// compaction moves them into `live_point_chunks`, a row of packed points per session. In a table
/// keyed by session a batch of points from as many sessions touched a page each, and with 10,000
/// devices nearly every point rewrote a 4 KiB page into the WAL (and the checkpoint wrote it again);
/// the log only ever appends, and a compaction after `compactAfter` writes about that many seconds
/// of a session's points as one row. Readers first `settle` a session (its logged points move at
/// once), so they read the tables and not the log. After a crash the log is the durable copy:
/// `LiveStore.recoverLog` moves it into chunks before the server accepts connections.
public final class LivePointWriter: Service {
    /// Made once, as `DeviceConnection.durable`.
    static let batchWrite = Timer(label: "stamina_live_batch_write_seconds")
    /// Points per compaction transaction: few enough that a batch behind it waits a few ms.
    static let compactionChunk = 500
    /// After a compaction step of d, the next waits 6 d: compaction takes at most a seventh of the
    /// writer's time, spread over most of the 30 s until the next one. Back to back, moving 250,000
    /// points (10,000 devices) took the writer 3-5 s every 30 s, and the ack p99 of those seconds
    /// went from 20-35 ms to 250-550 ms.
    static let compactionRest = 6
    /// Log rows deleted per transaction once a compaction has moved them.
    static let deletionChunk = 5_000

    enum Request {
        case append(sessionID: UUID, points: [LivePoint], done: @Sendable (Result<Void, any Error>) -> Void)
        case settle(sessionID: UUID, done: @Sendable (Result<Void, any Error>) -> Void)

        var done: @Sendable (Result<Void, any Error>) -> Void {
            switch self {
            case .append(_, _, let done), .settle(_, let done): done
            }
        }
    }

    let database: any Database
    let logger: Logger
    /// How long a batch gathers before it is written: a few milliseconds of ack latency buy
    /// transactions of many points instead of one each when devices send at an even pace.
    let gatherTime: Duration
    /// How long points stay in the SQLite log before a compaction moves them.
    let compactAfter: Duration
    /// Requests waiting for the writer; nil once the writer has stopped.
    private let pending = Mutex<[Request]?>([])
    private let logged = Mutex(LoggedPoints())
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    /// Whether a wake-up for a resting compaction is on its way.
    private let wakeScheduled = Atomic(false)

    public init(
        database: any Database, logger: Logger, gatherTime: Duration = .milliseconds(4),
        compactAfter: Duration = .seconds(30)
    ) {
        self.database = database
        self.logger = logger
        self.gatherTime = gatherTime
        self.compactAfter = compactAfter
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Calls `done` once the points are committed, or with the error that kept them from it.
    public func append(
        sessionID: UUID, points: [LivePoint], done: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) {
        guard !points.isEmpty else { return done(.success(())) }
        submit(.append(sessionID: sessionID, points: points, done: done))
    }

    /// Returns once every durable point of the session is in the tables (not only in the log).
    public func settle(sessionID: UUID) async throws {
        guard logged.withLock({ $0.holds(sessionID) }) else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            submit(.settle(sessionID: sessionID, done: { continuation.resume(with: $0) }))
        }
    }

    /// Whether points of the session that are only in the log yet were received since `cutoff`.
    public func heard(from sessionID: UUID, since cutoff: Date) -> Bool {
        logged.withLock { $0.lastReceived[sessionID].map { $0 >= cutoff } ?? false }
    }

    private func submit(_ request: Request) {
        let accepted = pending.withLock { pending in
            pending?.append(request)
            return pending != nil
        }
        if accepted {
            wake.yield()
        } else {
            request.done(.failure(LiveError(.unavailable, "The server is shutting down.")))
        }
    }

    /// Runs on a thread of its own (`DedicatedThreadExecutor`), not in the shared pool.
    public func run() async throws {
        await withTaskExecutorPreference(DedicatedThreadExecutor.livePointWriter) {
            await withGracefulShutdownHandler {
                for await _ in wakes {
                    try? await Task.sleep(for: gatherTime)
                    while true {
                        let requests = pending.withLock { pending in
                            defer { pending = [] }
                            return pending ?? []
                        }
                        if !requests.isEmpty { await handle(requests) }
                        // Compaction goes a chunk at a time between batches, so none waits long for it.
                        let compaction = await compactStep()
                        if requests.isEmpty && compaction != .worked {
                            if case .resting(let until) = compaction { wake(at: until) }
                            break
                        }
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
        for request in left {
            request.done(.failure(LiveError(.unavailable, "The server is shutting down.")))
        }
    }

    private func handle(_ requests: [Request]) async {
        var appends: [(sessionID: UUID, points: [LivePoint])] = []
        var settles: [UUID] = []
        for request in requests {
            switch request {
            case .append(let sessionID, let points, _): appends.append((sessionID, points))
            case .settle(let sessionID, _): settles.append(sessionID)
            }
        }
        // Settled after the appends, so that points written with them are included.
        let appended = appends.isEmpty ? .success(()) : await outcome { try await write(appends) }
        let settled = settles.isEmpty ? .success(()) : await outcome { try await move(sessions: settles) }
        for request in requests {
            switch request {
            case .append: request.done(appended)
            case .settle: request.done(settled)
            }
        }
    }

    private func outcome(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private func write(_ batches: [(sessionID: UUID, points: [LivePoint])]) async throws {
        do {
            try await store(batches)
        } catch {
            logger.error("live points not stored", metadata: ["error": "\(String(reflecting: error))"])
            throw error
        }
    }

    private func store(_ batches: [(sessionID: UUID, points: [LivePoint])]) async throws {
        let now = Date()
        if database.dialect == .sqlite {
            try await database.autocommit { try await LiveStore.log(batches, receivedAt: now, in: $0) }
            logged.withLock { $0.add(batches, receivedAt: now) }
        } else {
            try await database.autocommit { try await LiveStore.append(batches, receivedAt: now, in: $0) }
        }
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
    }

    /// Moves the sessions' logged points into `live_point_chunks`, then forgets them.
    private func move(sessions: [UUID]) async throws {
        let rows = logged.withLock { logged in sessions.flatMap { logged.points(of: $0) } }
        try await database.autocommit { try await LiveStore.insertChunks(rows, in: $0) }
        logged.withLock { logged in
            for session in sessions { logged.forget(session) }
        }
    }

    /// Wakes the writer at `instant` (once, however often asked before then), when nothing else might.
    private func wake(at instant: ContinuousClock.Instant) {
        guard wakeScheduled.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            return
        }
        Task {
            try? await Task.sleep(until: instant)
            wakeScheduled.store(false, ordering: .relaxed)
            wake.yield()
        }
    }

    enum Compaction: Equatable {
        /// No compaction is due or running.
        case idle
        /// A step ran.
        case worked
        /// A compaction runs, but its next step waits until then.
        case resting(until: ContinuousClock.Instant)
    }

    /// One step of a compaction, begun when the oldest logged point is `compactAfter` old: moves a
    /// chunk of sessions' points into `live_point_chunks`, and once all are there, deletes the log up
    /// to where the compaction began.
    private func compactStep() async -> Compaction {
        guard database.dialect == .sqlite else { return .idle }
        do {
            let next = logged.withLock { $0.nextStep(after: compactAfter, chunk: Self.compactionChunk) }
            guard let step = next else { return .idle }
            let started = ContinuousClock.now
            switch step {
            case .rest(let until):
                return .resting(until: until)
            case .begin:
                let bounds = try await database.read { try await LiveStore.logBounds(in: $0) }
                logged.withLock { $0.beginCompaction(deleting: bounds) }
            case .move(let sessions, let points):
                try await move(sessions: sessions)
                logged.withLock { $0.moved(sessions, points: points) }
            case .delete(let first, let last):
                let end = min(last, first + Int64(Self.deletionChunk) - 1)
                try await database.autocommit { try await LiveStore.deleteLog(through: end, in: $0) }
                logged.withLock { $0.deleted(through: end) }
            case .finish(let report):
                logger.info(
                    "live points compacted",
                    metadata: [
                        "points": "\(report.points)", "seconds": "\(report.began.duration(to: started))",
                        "steps": "\(report.steps)", "longest step": "\(report.longest)",
                    ])
            }
            logged.withLock { $0.timed(ContinuousClock.now - started, rest: Self.compactionRest) }
            return .worked
        } catch {
            // The log still holds every point: the next step tries again.
            logger.error("live points compaction failed", metadata: ["error": "\(String(reflecting: error))"])
            return .idle
        }
    }
}

/// The SQLite writer's memory of the points in `live_points_log` that are not in `live_point_chunks`.
struct LoggedPoints {
    /// Logged since the current compaction began, by session.
    private var recent: [UUID: [LiveStore.LoggedPoint]] = [:]
    /// The generation a compaction is moving, and its sessions still to move, in key order.
    private var compacting: [UUID: [LiveStore.LoggedPoint]] = [:]
    private var queue: ArraySlice<UUID> = []
    /// The log rows still to delete once `compacting` is moved (none when `next > last`); nil while
    /// no compaction runs.
    private var deleting: (next: Int64, last: Int64)?
    /// When the oldest point in `recent` was logged.
    private var oldest: ContinuousClock.Instant?
    /// When each session's latest logged point was received.
    private(set) var lastReceived: [UUID: Date] = [:]

    enum Step {
        case begin
        case move([UUID], points: Int)
        case delete(first: Int64, last: Int64)
        case finish(Report)
        /// Not before then (see `LivePointWriter.compactionRest`).
        case rest(until: ContinuousClock.Instant)
    }

    /// What a compaction did: for the log line when it ends.
    struct Report {
        var began: ContinuousClock.Instant
        var points = 0
        var steps = 0
        var longest = Duration.zero
    }

    /// The running compaction's report so far.
    private var report: Report?
    /// When the running compaction may take its next step.
    private var resting: ContinuousClock.Instant?

    func holds(_ session: UUID) -> Bool { recent[session] != nil || compacting[session] != nil }

    func points(of session: UUID) -> [LiveStore.LoggedPoint] {
        (compacting[session] ?? []) + (recent[session] ?? [])
    }

    mutating func add(_ batches: [(sessionID: UUID, points: [LivePoint])], receivedAt: Date) {
        if recent.isEmpty { oldest = .now }
        for (session, points) in batches {
            recent[session, default: []].append(
                contentsOf: points.map { LiveStore.LoggedPoint(sessionID: session, live: $0, receivedAt: receivedAt) })
            lastReceived[session] = receivedAt
        }
    }

    /// Drops the session's points: they are in `live_point_chunks` now.
    mutating func forget(_ session: UUID) {
        recent[session] = nil
        compacting[session] = nil
        lastReceived[session] = nil
    }

    /// What the next compaction step is, if any; ends a compaction that has nothing left to do.
    mutating func nextStep(after age: Duration, chunk: Int) -> Step? {
        guard let deleting else {
            guard let oldest, ContinuousClock.now - oldest >= age else { return nil }
            return .begin
        }
        if let resting, resting > .now { return .rest(until: resting) }
        var sessions: [UUID] = []
        var count = 0
        for session in queue {
            if count >= chunk { break }
            sessions.append(session)
            count += compacting[session]?.count ?? 0
        }
        if !sessions.isEmpty { return .move(sessions, points: count) }
        if deleting.next <= deleting.last { return .delete(first: deleting.next, last: deleting.last) }
        self.deleting = nil
        defer { report = nil }
        return report.map(Step.finish)
    }

    /// Counts a step's time into the report (a compaction's steps hold up the batches between them),
    /// and rests `rest` times as long.
    mutating func timed(_ duration: Duration, rest: Int) {
        resting = .now + duration * rest
        guard var current = report else { return }
        current.steps += 1
        current.longest = max(current.longest, duration)
        report = current
    }

    /// Makes what was logged so far the generation to move; `rows` are the log's rows now.
    mutating func beginCompaction(deleting rows: ClosedRange<Int64>?) {
        compacting = recent
        queue = compacting.keys.sorted { $0.order < $1.order }[...]
        recent = [:]
        oldest = nil
        deleting = rows.map { ($0.lowerBound, $0.upperBound) } ?? (1, 0)
        report = Report(began: .now)
    }

    /// The sessions at the head of the queue were moved (and forgotten).
    mutating func moved(_ sessions: [UUID], points: Int) {
        queue.removeFirst(sessions.count)
        report?.points += points
    }

    mutating func deleted(through id: Int64) {
        deleting?.next = id + 1
    }
}
