import ActivityFiles
import Foundation
import Persistence
import Testing

@testable import Live

/// Live points go through each backend's own insert (one unnested statement on PostgreSQL, multi-row
/// statements on SQLite) and come back exactly, each once.
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
