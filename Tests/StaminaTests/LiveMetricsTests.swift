import ActivityFiles
import Analytics
import Foundation
import HTTPAPI
import Testing

@testable import Live

/// The metrics a device and its spectators see while a session is live.
@Suite("Live metrics")
struct LiveMetricsTests {
    /// A run north at 3.3358 m/s (0.00003° of latitude a second), one point a second, heart rate rising.
    static func tracker(seconds: Int, pauseAt: Int? = nil, resumeAt: Int? = nil) -> LiveMetricsTracker {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var tracker = LiveMetricsTracker(sport: .running, startedAt: start, heartRateZones: [95, 114, 133, 152, 171])
        for second in 0...seconds {
            if second == pauseAt {
                tracker.apply(TimerEvent(time: start.addingTimeInterval(Double(second)), kind: .stop))
            }
            if second == resumeAt {
                tracker.apply(TimerEvent(time: start.addingTimeInterval(Double(second)), kind: .start))
            }
            var point = TrackPoint(time: start.addingTimeInterval(Double(second)))
            point.latitude = 46 + Double(second) * 0.00003
            point.longitude = 7
            point.heartRate = 120 + Double(second) / 60
            tracker.add(LivePoint(seq: Int64(second + 1), point: point))
        }
        return tracker
    }

    @Test("distance, splits at each kilometre, pace, zone and moving time without the pause")
    func values() throws {
        let metrics = Self.tracker(seconds: 800, pauseAt: 100, resumeAt: 160).metrics
        #expect(abs(metrics.distance - 800 * 3.3358) < 3, "\(metrics.distance)")
        #expect(metrics.splits.map(\.number) == [1, 2])
        let first = try #require(metrics.splits.first)
        #expect(abs(first.time - 1_000 / 3.3358) < 1, "\(first.time)")
        #expect(metrics.elapsedTime == 800)
        #expect(metrics.movingTime == 740, "the 60 s pause is not moving time")
        let pace = try #require(metrics.currentPace)
        #expect(abs(pace - 1_000 / 3.3358) < 1, "\(pace)")
        #expect(metrics.heartRateZone == 3, "133.3 bpm is in the third zone (from 133)")
        #expect(metrics.lastSeq == 801)
        #expect(metrics.state == .live)
    }

    @Test("the hand-written JSON says what JSONEncoder says")
    func json() throws {
        for tracker in [Self.tracker(seconds: 0), Self.tracker(seconds: 700, pauseAt: 700)] {
            let metrics = tracker.metrics
            let fast = try JSONSerialization.jsonObject(with: Data(metrics.json.utf8)) as? NSDictionary
            let reference = try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(metrics)) as? NSDictionary
            #expect(fast != nil)
            #expect(fast == reference)
        }
    }

    @Test("the hand-written points frame says what JSONEncoder says")
    func pointsFrame() throws {
        struct Reference: Encodable {
            var type = "points"
            var points: [WirePoint]
            var metrics: LiveMetrics?
        }
        let points = PointsMessageParserTests.valid.compactMap(PointsMessageParser.points).flatMap { $0 }
        #expect(points.count == 5)
        for metrics in [nil, Self.tracker(seconds: 700, pauseAt: 700).metrics] {
            let frame = ServerFrame.points(points, metrics: metrics)
            let fast = try JSONSerialization.jsonObject(with: Data(frame.utf8)) as? NSDictionary
            let reference =
                try JSONSerialization.jsonObject(
                    with: JSONCoding.encoder.encode(Reference(points: points, metrics: metrics))) as? NSDictionary
            #expect(fast != nil)
            #expect(fast == reference)
        }
        for point in points {
            let reference = String(decoding: try JSONCoding.encoder.encode(point), as: UTF8.self)
            #expect(point.json == reference)
        }
    }
}
