import Accounts
import Activities
import ActivityFiles
import Analytics
import App
import ArgumentParser
import EventLog
import Foundation
import Geo
import HTTPAPI
import Kafka
import Logging
import Persistence
import ServiceLifecycle
import Synchronization

/// Measures the event log: what the outbox adds to a write (a one-row update, and the product's own
/// writes through their stores: a recorded JSON session, a profile update), the end-to-end delay from a write's
/// commit to a projection at a steady rate, and the most events per second the dispatch path
/// applies. Embedded (in-process dispatcher) by default, or through Kafka (librdkafka's mock
/// cluster, in this process) with `--kafka`. The database comes from `STAMINA_DATABASE_URL`.
struct BenchEvents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Time the event log.")

    @Option(help: "Events per second during the steady phase.")
    var rate = 1_000

    @Option(help: "Seconds of the steady phase.")
    var seconds = 10

    @Option(help: "Concurrent writers in the steady phase (each commit waits for its own flush).")
    var writers = 8

    @Option(help: "Writes of each kind in the outbox-overhead phase.")
    var writes = 2_000

    @Option(help: "Points of the JSON session recorded in the outbox-overhead phase.")
    var points = 300

    @Option(help: "Events in the backlog of the throughput phase.")
    var backlog = 20_000

    @Flag(help: "Deliver through Kafka (librdkafka's mock cluster: 3 brokers, 4 partitions) instead of in-process.")
    var kafka = false

    /// A write's event: one per aggregate update.
    struct Bumped: DomainEvent {
        static let eventType = "BenchBumped"
        static let aggregateType = "bench"
        var id: UUID
        var aggregateID: UUID { id }
    }

    /// The trivial projection: counts events per aggregate and notes each event's delay since it occurred.
    final class Projection: EventConsumer {
        let name = "bench.projection"
        let delays = Mutex<[Double]>([])

        func apply(_ event: EventEnvelope, in session: any DatabaseSession) async throws {
            try await session.query(
                """
                INSERT INTO bench_counts (id, n) VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET n = bench_counts.n + 1
                """, [.uuid(event.aggregateID)])
            let delay = Date().timeIntervalSince(event.occurredAt) * 1_000
            delays.withLock { $0.append(delay) }
        }

        func reset(in session: any DatabaseSession) async throws {
            try await session.query("DELETE FROM bench_counts")
        }

        func take() -> [Double] {
            delays.withLock { delays in
                defer { delays = [] }
                return delays
            }
        }
    }

    func run() async throws {
        let configuration = try AppConfiguration.fromEnvironment()
        var logger = Logger(label: "stamina.bench")
        logger.logLevel = .warning
        let database = try await configuration.database.open(logger: logger)
        let cluster = kafka ? try KafkaMockCluster(brokers: 3) : nil
        defer { cluster?.destroy() }
        try await withRunning(database) {
            try await Migrations.prepare(database, logger: logger)
            try await database.transaction { session in
                try await session.query(
                    "CREATE TABLE IF NOT EXISTS bench_aggregates (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
                try await session.query(
                    "CREATE TABLE IF NOT EXISTS bench_counts (id TEXT PRIMARY KEY, n BIGINT NOT NULL)")
            }
            let aggregates = (0..<64).map { _ in UUID() }
            try await database.transaction { session in
                for id in aggregates {
                    try await session.query(
                        "INSERT INTO bench_aggregates (id, n) VALUES ($1, 0)", [.text(id.uuidString)])
                }
            }
            let backend = "\(database.dialect)" + (kafka ? "+kafka" : "")
            try await measureOverhead(database, aggregates, backend: backend)
            let projection = Projection()
            let services = try consumers(of: projection, database: database, cluster: cluster, logger: logger)
            try await measureSteady(database, aggregates, projection, services, backend: backend)
            try await measureThroughput(database, aggregates, projection, services, backend: backend)
        }
    }

    /// The services that deliver events to `projection`: the dispatcher, or a relay and a projector.
    func consumers(of projection: Projection, database: any Database, cluster: KafkaMockCluster?, logger: Logger) throws
        -> [any Service]
    {
        guard let cluster else {
            return [EventDispatcher(database: database, consumers: [projection], logger: logger)]
        }
        try cluster.createTopic("bench.bench", partitions: 4, replicationFactor: 3)
        var kafka = KafkaEventLogConfiguration(
            kafka: KafkaConfiguration(
                bootstrapServers: cluster.bootstrapServers,
                properties: [
                    "linger.ms": "1", "fetch.wait.max.ms": "10", "fetch.error.backoff.ms": "10",
                    // A new member of the group is not kept waiting for a session timeout.
                    "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
                ]),
            // The overhead phase's activity and profile events go to the same topic, so that the
            // projection sees every event in the outbox, as it does in-process.
            topics: EventTopics(prefix: "bench", contexts: ["bench": "bench", "activity": "bench", "user": "bench"]))
        kafka.createTopics = false
        return [
            KafkaEventRelay(database: database, configuration: kafka, health: KafkaRelayHealth(), logger: logger),
            KafkaEventProjector(database: database, consumer: projection, configuration: kafka, logger: logger),
        ]
    }

    /// One write: bump an aggregate, with or without its event, in one transaction.
    func write(_ id: UUID, withEvent: Bool, to database: any Database) async throws {
        try await database.transaction { session in
            try await Self.write(withEvent ? [Bumped(id: id)] : [], in: session) { session in
                try await session.query(Bump.self, [.text(id.uuidString)])
            }
        }
    }

    /// The one-row update: prepared, as a write that runs often would be.
    enum Bump: PreparedStatement {
        static let name = "stamina_bench_bump"
        static func sql(_ dialect: SQLDialect) -> String { "UPDATE bench_aggregates SET n = n + 1 WHERE id = $1" }
    }

    /// Runs `write` alone when `events` is empty, else along their append, as the services do.
    static func write(
        _ events: [any DomainEvent], in session: any DatabaseSession,
        _ write: (any DatabaseSession) async throws -> Void
    ) async throws {
        guard !events.isEmpty else { return try await write(session) }
        try await Outbox().append(events, in: session, along: write)
    }

    /// Times each kind of write with and without its outbox append: the synthetic one-row update,
    /// and the product's writes through their real stores, as `ActivityService.record` and
    /// `AccountService.updateProfile` run them in their transactions.
    func measureOverhead(_ database: any Database, _ aggregates: [UUID], backend: String) async throws {
        try await measure("bump", backend: backend) { index, withEvent in
            try await write(aggregates[index % aggregates.count], withEvent: withEvent, to: database)
        }

        let activities = SQLActivityStore()
        let template = try await activity(points: points, in: database)
        // Packed before the clock starts, as `ActivityService` packs points before its transaction.
        let encoded = activities.encode(template.points, for: database.dialect)
        // Fresh activities, and their events, made before the clock starts.
        let recorded = try (0..<(min(100, writes) + writes) * 2).map { _ in
            var activity = template.activity
            activity.id = UUID()
            return (activity, try event(ActivityRecorded.self, from: ["activity": ActivitySnapshot(activity)]))
        }
        try await measure("activity recorded (\(points) points)", backend: backend) { index, withEvent in
            let (activity, event) = recorded[index]
            try await database.transaction { session in
                try await Self.write(withEvent ? [event] : [], in: session) { session in
                    try await activities.insert(activity, points: encoded, in: session)
                }
            }
        }

        let accounts = SQLAccountStore()
        let users = (0..<64).map { index in
            User(id: UUID(), email: "bench-\(UUID())@example.com", name: "Athlete \(index)", createdAt: Date())
        }
        try await database.transaction { session in
            for user in users { try await accounts.insert(user, passwordHash: nil, in: session) }
        }
        // Each patch changes both fields (a user's writes are 64 apart, and 64 is no multiple of 40),
        // so each user's event is known before the clock starts.
        let updated = try users.map { user in
            try event(ProfileUpdated.self, from: ProfileChange(userID: user.id, changedFields: ["name", "weight"]))
        }
        try await measure("profile updated", backend: backend) { index, withEvent in
            let userID = users[index % users.count].id
            let event = updated[index % users.count]
            let patch: [String: JSONValue] = [
                "name": .string("Athlete \(index)"), "weight": .number(60 + Double(index % 40)),
            ]
            try await database.transaction { session in
                guard var user = try await accounts.user(id: userID, in: session) else { return }
                _ = try user.apply(patch: patch, now: Date())
                try await Self.write(withEvent ? [event] : [], in: session) { [user] session in
                    try await accounts.update(user, in: session)
                }
            }
        }
    }

    /// The fields of `ProfileUpdated`.
    struct ProfileChange: Encodable {
        var userID: UUID
        var changedFields: [String]
    }

    /// An event of another module built from its JSON fields (events keep their memberwise
    /// initialisers internal), as a consumer would read it.
    func event<Event: DomainEvent>(_ type: Event.Type, from fields: some Encodable) throws -> Event {
        try JSONDecoder().decode(Event.self, from: JSONEncoder().encode(fields))
    }

    /// Writes of one kind in a row in `measure`.
    static let block = 50

    /// Runs `write` `writes` times without and `writes` times with the outbox append, in alternating
    /// blocks of `block` (so both see the same load and table sizes, and work an event leaves behind
    /// after its commit, such as the announcement to other processes, slows the writes with events
    /// rather than the plain ones) after an uncounted warm-up that opens connections and prepares
    /// statements; prints p50 and p99 of each and the overhead.
    func measure(
        _ kind: String, backend: String, _ write: (_ index: Int, _ withEvent: Bool) async throws -> Void
    ) async throws {
        let warmUp = min(100, writes)
        for index in 0..<warmUp * 2 { try await write(index, index % 2 == 1) }
        var plain: [Double] = []
        var withEvent: [Double] = []
        let clock = ContinuousClock()
        for index in 0..<writes * 2 {
            let event = index / Self.block % 2 == 1
            let elapsed = try await clock.measure { try await write(index + warmUp * 2, event) }
            event ? withEvent.append(elapsed.milliseconds) : plain.append(elapsed.milliseconds)
        }
        let (plainP50, plainP99) = (plain.percentile(50), plain.percentile(99))
        let (eventP50, eventP99) = (withEvent.percentile(50), withEvent.percentile(99))
        print(
            #"{"phase":"write latency","backend":"\#(backend)","kind":"\#(kind)","writes":\#(writes),"plainP50Ms":\#(plainP50.rounded(to: 3)),"plainP99Ms":\#(plainP99.rounded(to: 3)),"withOutboxP50Ms":\#(eventP50.rounded(to: 3)),"withOutboxP99Ms":\#(eventP99.rounded(to: 3)),"overheadP50":\#((eventP50 / plainP50 - 1).rounded(to: 3)),"overheadP99":\#((eventP99 / plainP99 - 1).rounded(to: 3))}"#
        )
    }

    /// An activity recorded from a JSON session of `count` one-second points (a run with position,
    /// altitude and heart rate), its metrics computed as `ActivityService` computes them.
    func activity(points count: Int, in database: any Database) async throws -> (
        activity: Activity, points: [TrackPoint]
    ) {
        let start = Date().addingTimeInterval(-Double(count) - 60)
        var track = Track(format: .manual)
        track.startTime = start
        track.points = (0..<count).map { second in
            var point = TrackPoint(time: start.addingTimeInterval(Double(second)))
            point.latitude = 48.137 + Double(second) * 0.000_03
            point.longitude = 11.575 + sin(Double(second) / 60) * 0.001
            point.altitude = 520 + sin(Double(second) / 90) * 15
            point.heartRate = 140 + Double(second % 20)
            return point
        }
        let metrics = ActivityMetrics.compute(track: track, sport: .running)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let duration = Double(max(0, count - 1))
        var summary = ActivitySummary(
            duration: duration, movingTime: metrics.movingTime ?? duration, distance: metrics.distance ?? 0)
        summary.elevationGain = metrics.elevationGain
        summary.averageHeartRate = metrics.averageHeartRate
        let time = Date()
        let activity = Activity(
            id: UUID(), userID: UUID(), sport: metrics.sport.rawValue, subSport: nil, name: "Morning Run",
            description: nil, startTime: start, endTime: start.addingTimeInterval(duration), timeZone: "UTC",
            visibility: .private, summary: summary, source: ActivitySource(format: "manual"), externalID: nil,
            pointCount: count,
            bounds: BoundingBox(track.points.map { Coordinate(latitude: $0.latitude!, longitude: $0.longitude!) }),
            metricsJSON: String(decoding: try encoder.encode(metrics), as: UTF8.self),
            metricSetVersion: metrics.metricSetVersion, createdAt: time, updatedAt: time)
        if let last = track.points.last {
            try await PointPartitions.ensure(from: start, through: last.time, in: database)
        }
        return (activity, track.points)
    }

    /// Writes at a steady `rate` (`writers` tasks) for `seconds` while the consumers run; reports the
    /// delay from each event's append to its projection.
    func measureSteady(
        _ database: any Database, _ aggregates: [UUID], _ projection: Projection, _ services: [any Service],
        backend: String
    ) async throws {
        let (rate, seconds, writers) = (self.rate, self.seconds, self.writers)
        try await withRunning(services) {
            try await waitForDrain(database, projection)
            _ = projection.take()
            let start = ContinuousClock.now + .milliseconds(100)
            let perWriter = rate * seconds / writers
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<perWriter {
                            let due = start + .seconds(Double(index * writers + writer) / Double(rate))
                            try await Task.sleep(until: due, clock: .continuous)
                            try await write(
                                aggregates[(index + writer) % aggregates.count], withEvent: true, to: database)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - start
            try await waitForDrain(database, projection)
            let delays = projection.take()
            print(
                #"{"phase":"steady","backend":"\#(backend)","targetRate":\#(rate),"achievedRate":\#(Double(delays.count) / elapsed.seconds),"events":\#(delays.count),"delayP50Ms":\#(delays.percentile(50)),"delayP99Ms":\#(delays.percentile(99))}"#
            )
        }
    }

    /// Appends a backlog with the consumers stopped, then times how fast they apply it.
    func measureThroughput(
        _ database: any Database, _ aggregates: [UUID], _ projection: Projection, _ services: [any Service],
        backend: String
    ) async throws {
        for start in stride(from: 0, to: backlog, by: 100) {
            try await database.transaction { session in
                try await Outbox().append(
                    (start..<min(start + 100, backlog)).map { Bumped(id: aggregates[$0 % aggregates.count]) },
                    in: session)
            }
        }
        let began = ContinuousClock.now
        try await withRunning(services) { try await waitForDrain(database, projection) }
        let elapsed = ContinuousClock.now - began
        print(
            #"{"phase":"throughput","backend":"\#(backend)","events":\#(backlog),"seconds":\#(elapsed.seconds),"eventsPerSecond":\#(Double(backlog) / elapsed.seconds)}"#
        )
    }

    /// Returns once the projection has applied everything in the log.
    func waitForDrain(_ database: any Database, _ projection: Projection) async throws {
        while true {
            let (head, applied) = try await database.read { session in
                (
                    try await Outbox.head(in: session),
                    try await session.first("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM bench_counts")?.int(
                        "n") ?? 0
                )
            }
            if Int64(applied) >= head { return }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1_000 }
}

extension Double {
    /// Rounded to `places` decimals, for readable JSON lines.
    func rounded(to places: Int) -> Double {
        let scale = Foundation.pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}

extension [Double] {
    /// The `p`th percentile (nearest rank), 0 when empty.
    func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        return sorted[Swift.min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)]
    }
}
