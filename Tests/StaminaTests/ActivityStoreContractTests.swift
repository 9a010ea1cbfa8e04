import Activities
import ActivityFiles
import Foundation
import Geo
import Persistence
import Testing

/// The contract of `ActivityStore`, run against SQLite and PostgreSQL.
@Suite("ActivityStore contract")
struct ActivityStoreContractTests {
    let store = SQLActivityStore()
    let start = Date(timeIntervalSince1970: 1_790_000_000)

    func activity(user: UUID, start: Date, sport: String = "running", visibility: ActivityVisibility = .public)
        -> Activity
    {
        var summary = ActivitySummary(duration: 600, movingTime: 590, distance: 2_000)
        summary.averageHeartRate = 150
        return Activity(
            id: UUID(), userID: user, sport: sport, subSport: nil, name: "Morning run", description: nil,
            startTime: start, endTime: start.addingTimeInterval(600), timeZone: "Europe/Zurich", visibility: visibility,
            summary: summary,
            source: ActivitySource(format: "gpx"), externalID: nil, pointCount: 0, bounds: nil, metricsJSON: "{}",
            metricSetVersion: 1, createdAt: start, updatedAt: start)
    }

    func points(from start: Date, count: Int) -> [TrackPoint] {
        (0..<count).map { index in
            var point = TrackPoint(time: start.addingTimeInterval(Double(index)))
            point.latitude = 47.0 + Double(index) * 0.0001
            point.longitude = index % 10 == 0 ? nil : 8.0
            point.heartRate = 140 + Double(index % 20)
            return point
        }
    }

    @Test("an activity and its points round-trip; a time window reads just its points", arguments: Backend.allCases)
    func roundTrip(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            var stored = activity(user: UUID(), start: start)
            stored.pointCount = 600
            stored.bounds = BoundingBox(minLatitude: 47, minLongitude: 8, maxLatitude: 47.06, maxLongitude: 8)
            let track = points(from: start, count: 600)
            let insert = stored
            try await PointPartitions.ensure(from: start, through: start.addingTimeInterval(600), in: database)
            try await database.transaction { try await store.insert(insert, points: track, in: $0) }
            #expect(try await database.read { try await store.activity(id: insert.id, in: $0) } == insert)
            let all = try await database.read {
                try await store.points(activityID: insert.id, from: nil, to: nil, in: $0)
            }
            #expect(all == track)
            #expect(all[10].longitude == nil)
            let window = try await database.read {
                try await store.points(
                    activityID: insert.id, from: start.addingTimeInterval(100), to: start.addingTimeInterval(110),
                    in: $0)
            }
            #expect(window.count == 10)
        }
    }

    @Test(
        "points spanning several chunks keep their exact times and values; windows across chunk edges are exact",
        arguments: Backend.allCases)
    func chunkedPoints(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let stored = activity(user: UUID(), start: start)
            // Times no microsecond timestamp holds exactly, 2.5 chunks of them.
            let track = points(from: start.addingTimeInterval(0.123_456_789), count: 2 * PointChunk.capacity + 500)
            try await PointPartitions.ensure(from: start, through: start.addingTimeInterval(3_000), in: database)
            try await database.transaction { try await store.insert(stored, points: track, in: $0) }
            let all = try await database.read {
                try await store.points(activityID: stored.id, from: nil, to: nil, in: $0)
            }
            #expect(all == track)
            for (from, to) in [(1_000, 1_100), (1_023, 1_025), (1_024, 2_048), (0, 1), (2_546, 2_547), (5, 5)] {
                let window = try await database.read {
                    try await store.points(
                        activityID: stored.id, from: track[from].time, to: track[to].time, in: $0)
                }
                #expect(window == Array(track[from..<to]), "window \(from)..<\(to)")
            }
            let tail = try await database.read {
                try await store.points(activityID: stored.id, from: track[2_000].time, to: nil, in: $0)
            }
            #expect(tail == Array(track[2_000...]))
            let chunks = try await database.read {
                try await $0.query(
                    "SELECT chunk_index, point_count FROM activity_point_chunks WHERE activity_id = $1 ORDER BY chunk_index",
                    [.uuid(stored.id)])
            }
            #expect(chunks.map { $0.optionalInt("point_count") } == [1_024, 1_024, 500])
        }
    }

    @Test("pages are newest first, filtered by sport, dates and visibility", arguments: Backend.allCases)
    func paging(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let user = UUID()
            var activities: [Activity] = []
            for index in 0..<7 {
                let day = start.addingTimeInterval(Double(index) * 86_400)
                let sport = index % 2 == 0 ? "running" : "cycling"
                activities.append(
                    activity(user: user, start: day, sport: sport, visibility: index == 6 ? .private : .public))
            }
            let stored = activities
            try await database.transaction { session in
                for activity in stored { try await store.insert(activity, points: [], in: session) }
            }
            var query = ActivityQuery(userID: user, visibilities: [.public, .followers, .private], limit: 3)
            let first = try await database.read { [query] in try await store.activities(query, in: $0) }
            #expect(first.map(\.id) == [stored[6].id, stored[5].id, stored[4].id])
            query.cursor = ActivityCursor(startTime: first[2].startTime, id: first[2].id)
            let second = try await database.read { [query] in try await store.activities(query, in: $0) }
            #expect(second.map(\.id) == [stored[3].id, stored[2].id, stored[1].id])
            var publicRuns = ActivityQuery(userID: user, visibilities: [.public], limit: 10)
            publicRuns.sport = "running"
            publicRuns.after = start.addingTimeInterval(86_400)
            let runs = try await database.read { [publicRuns] in try await store.activities(publicRuns, in: $0) }
            #expect(runs.map(\.id) == [stored[4].id, stored[2].id])
        }
    }

    @Test("uploads are found again by file hash or client id; delete removes points", arguments: Backend.allCases)
    func dedupeAndDelete(backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let user = UUID()
            var first = activity(user: user, start: start)
            first.source.fileHash = "abc"
            var second = activity(user: user, start: start.addingTimeInterval(10_000))
            second.externalID = "watch-42"
            let (a, b) = (first, second)
            try await PointPartitions.ensure(from: start, through: start.addingTimeInterval(20_000), in: database)
            try await database.transaction { session in
                try await store.insert(a, points: points(from: a.startTime, count: 20), in: session)
                try await store.insert(b, points: [], in: session)
            }
            let byHash = try await database.read {
                try await store.existing(userID: user, fileHash: "abc", externalID: nil, in: $0)
            }
            #expect(byHash?.id == a.id)
            let byID = try await database.read {
                try await store.existing(userID: user, fileHash: "zzz", externalID: "watch-42", in: $0)
            }
            #expect(byID?.id == b.id)
            #expect(
                try await database.read {
                    try await store.existing(userID: UUID(), fileHash: "abc", externalID: nil, in: $0)
                } == nil)
            let sharing = try await database.transaction { try await store.delete(a, in: $0) }
            #expect(sharing == 0)
            #expect(try await database.read { try await store.activity(id: a.id, in: $0) } == nil)
            #expect(
                try await database.read { try await store.points(activityID: a.id, from: nil, to: nil, in: $0) }.isEmpty
            )
            let chunks = try await database.read {
                try await $0.first(
                    "SELECT count(*) AS n FROM activity_point_chunks WHERE activity_id = $1", [.uuid(a.id)])
            }
            #expect(chunks?.optionalInt("n") == 0)
        }
    }

    @Test("PostgreSQL stores the route as a simplified PostGIS line")
    func postgisRoute() async throws {
        try await TestDatabase.with(.postgres) { database in
            let stored = activity(user: UUID(), start: start)
            try await PointPartitions.ensure(from: start, through: start, in: database)
            try await database.transaction {
                try await store.insert(stored, points: points(from: start, count: 50), in: $0)
            }
            let row = try await database.read {
                try await $0.first(
                    "SELECT ST_NPoints(route) AS n, ST_SRID(route) AS srid FROM activities WHERE id = $1",
                    [.uuid(stored.id)])
            }
            // The 45 positioned points lie on a meridian: simplified to the line's two ends.
            #expect(row?.optionalInt("n") == 2)
            #expect(row?.optionalInt("srid") == 4326)
            // Built in Swift from the points in time order: starts at the first positioned point.
            let first = try await database.read {
                try await $0.first(
                    "SELECT ST_X(ST_StartPoint(route)) AS x, ST_Y(ST_StartPoint(route)) AS y FROM activities WHERE id = $1",
                    [.uuid(stored.id)])
            }
            #expect(first?.optionalDouble("x") == 8.0)
            #expect(first?.optionalDouble("y") == 47.0 + 0.0001)
        }
    }
}
