import ActivityFiles
import Foundation
import Persistence
import Testing

@testable import Live

/// Live points go through each backend's own insert (one unnested statement on PostgreSQL, a cached
/// single-row statement on SQLite) and come back exactly, each once.
@Suite("Live point storage")
struct LiveStoreTests {
    /// Point `seq`: some without a position, altitude or power, values that test number formatting.
    static func point(_ seq: Int64) -> LivePoint {
        var point = TrackPoint(time: Date(timeIntervalSince1970: 1_780_000_000.125 + Double(seq)))
        if seq % 3 != 0 {
            point.latitude = 46.000_123_456_789 + Double(seq) * 1e-5
            point.longitude = -7.25
        }
        point.altitude = seq % 2 == 0 ? -12.5 : nil
        point.distance = 3.3358 * Double(seq)
        point.speed = 1e-5 * Double(seq)
        point.heartRate = 140
        point.cadence = 85.5
        point.power = seq == 4 ? 0 : nil
        point.temperature = -0.0
        return LivePoint(seq: seq, point: point)
    }

    @Test(
        "points of several sessions are stored exactly, and once however often they are sent",
        arguments: Backend.allCases)
    func appendRoundTrip(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let sessions = [UUID(), UUID()]
            let received = Date(timeIntervalSince1970: 1_780_000_100)
            try await database.transaction {
                try await LiveStore.append(sessions.map { ($0, (1...5).map(Self.point)) }, receivedAt: received, in: $0)
            }
            // A resend overlapping what is stored, with new points after it.
            try await database.transaction {
                try await LiveStore.append([(sessions[0], (4...7).map(Self.point))], receivedAt: received, in: $0)
            }
            for (session, last) in zip(sessions, [Int64(7), 5]) {
                let stored = try await database.read { try await LiveStore.points(sessionID: session, in: $0) }
                #expect(stored == (1...last).map(Self.point))
            }
        }
    }
}

/// The batch writer: acked points are readable once settled, each once; on SQLite they go through
/// the append-only log, which a compaction moves into `live_points` and empties, and which start-up
/// moves after a crash.
@Suite("Live point writer")
struct LivePointWriterTests {
    static func append(_ writer: LivePointWriter, _ session: UUID, _ seqs: ClosedRange<Int64>) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.append(sessionID: session, points: seqs.map(LiveStoreTests.point)) { continuation.resume(with: $0) }
        }
    }

    static func logCount(_ database: any Database) async throws -> Int {
        try await database.read { try await $0.first("SELECT count(*) AS n FROM live_points_log")?.int("n") ?? -1 }
    }

    @Test("settled points read back exactly and once, resends included", arguments: Backend.allCases)
    func settle(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let writer = LivePointWriter(database: database, logger: TestDatabase.logger, compactAfter: .seconds(3_600))
            let (first, second) = (UUID(), UUID())
            try await withRunning([writer]) {
                try await Self.append(writer, first, 1...5)
                try await Self.append(writer, second, 1...3)
                try await Self.append(writer, first, 4...7)
                #expect(writer.heard(from: first, since: .distantPast) == (backend == .sqlite))
                try await writer.settle(sessionID: first)
                #expect(!writer.heard(from: first, since: .distantPast))
                let stored = try await database.read { try await LiveStore.points(sessionID: first, in: $0) }
                #expect(stored == (1...7).map(LiveStoreTests.point))
                // Points after a settle are logged again, and a second settle moves just those.
                try await Self.append(writer, first, 8...9)
                try await writer.settle(sessionID: first)
                let again = try await database.read { try await LiveStore.points(sessionID: first, in: $0) }
                #expect(again == (1...9).map(LiveStoreTests.point))
            }
            if backend == .sqlite {
                // The other session is still only in the log: start-up moves it.
                #expect(try await database.read { try await LiveStore.points(sessionID: second, in: $0) }.isEmpty)
                try await LiveStore.recoverLog(in: database)
                let recovered = try await database.read { try await LiveStore.points(sessionID: second, in: $0) }
                #expect(recovered == (1...3).map(LiveStoreTests.point))
                #expect(try await Self.logCount(database) == 0)
            }
        }
    }

    @Test("a compaction moves every logged point into live_points, in chunks, and empties the log")
    func compaction() async throws {
        try await TestDatabase.with(.sqlite) { database in
            let writer = LivePointWriter(database: database, logger: TestDatabase.logger, compactAfter: .zero)
            // More sessions than a compaction chunk holds points, so it takes several steps.
            let sessions = (0..<(LivePointWriter.compactionChunk / 3 + 50)).map { _ in UUID() }
            try await withRunning([writer]) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for session in sessions {
                        group.addTask {
                            try await Self.append(writer, session, 1...2)
                            try await Self.append(writer, session, 2...4)
                        }
                    }
                    try await group.waitForAll()
                }
                let deadline = ContinuousClock.now + .seconds(20)
                while try await Self.logCount(database) > 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(try await Self.logCount(database) == 0)
                #expect(!sessions.contains { writer.heard(from: $0, since: .distantPast) })
            }
            for session in sessions {
                let stored = try await database.read { try await LiveStore.points(sessionID: session, in: $0) }
                #expect(stored == (1...4).map(LiveStoreTests.point))
            }
            // Packed: a row per session and compaction, not per point.
            let chunks = try await database.read {
                try await $0.first("SELECT count(*) AS n FROM live_point_chunks")?.int("n") ?? 0
            }
            #expect(chunks >= sessions.count && chunks <= sessions.count * 3)
        }
    }

    @Test("chunks keep seqs with gaps, read a seq stored twice once, and honour a seq window")
    func chunks() async throws {
        try await TestDatabase.with(.sqlite) { database in
            let session = UUID()
            let received = Date(timeIntervalSince1970: 1_780_000_100)
            @Sendable func rows(_ seqs: [Int64]) -> [LiveStore.LoggedPoint] {
                seqs.map {
                    LiveStore.LoggedPoint(sessionID: session, live: LiveStoreTests.point($0), receivedAt: received)
                }
            }
            try await database.transaction { try await LiveStore.insertChunks(rows([1, 2, 5, 9]), in: $0) }
            try await database.transaction { try await LiveStore.insertChunks(rows([2, 3, 4]), in: $0) }
            // And one as a plain row, as the distributed mode's batch writer stores them.
            try await database.transaction {
                try await LiveStore.append([(session, [LiveStoreTests.point(5)])], receivedAt: received, in: $0)
            }
            let all = try await database.read { try await LiveStore.points(sessionID: session, in: $0) }
            #expect(all == [1, 2, 3, 4, 5, 9].map(LiveStoreTests.point))
            let window = try await database.read {
                try await LiveStore.points(sessionID: session, after: 2, before: 9, in: $0)
            }
            #expect(window == [3, 4, 5].map(LiveStoreTests.point))
            try await database.transaction { try await LiveStore.deletePoints(sessionID: session, in: $0) }
            #expect(try await database.read { try await LiveStore.points(sessionID: session, in: $0) }.isEmpty)
        }
    }
}
