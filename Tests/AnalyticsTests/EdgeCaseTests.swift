import ActivityFiles
import Analytics
import Foundation
import Testing

@Suite("Edge cases and reproducibility")
struct EdgeCaseTests {
    static func noisyRide(points: Int) -> Track {
        var random = TrackFactory.Noise(state: 11)
        return TrackFactory.track(seconds: points - 1, sport: "cycling") { second, point in
            let s = Double(second)
            point.latitude = 46.5 + s * 0.00005 + 0.000005 * random.next()
            point.longitude = 7.2 + 0.015 * sin(s / 500)
            point.altitude = 600 + 80 * sin(s / 900) + random.next()
            point.heartRate = second % 97 == 0 ? nil : 140 + 20 * sin(s / 300)
            point.power = max(0, 220 + 120 * sin(s / 40) + 30 * random.next())
            point.cadence = 85 + 5 * random.next()
            point.speed = second % 600 < 30 ? 0 : 8 + random.next()
        }
    }

    @Test("an empty track gives no values and no crash")
    func emptyTrack() throws {
        let metrics = ActivityMetrics.compute(track: Track(format: .gpx), athlete: AthleteSettings(weight: 70))
        #expect(metrics.distance == nil && metrics.elapsedTime == nil && metrics.movingTime == nil)
        #expect(metrics.calories == nil && metrics.splitsPerKilometre.isEmpty && metrics.laps.isEmpty)
        _ = try JSONEncoder().encode(metrics)
        let streams = ActivityStreams(track: Track(format: .gpx))
        #expect(streams.count == 0 && streams.downsampled(to: 10).count == 0)
    }

    @Test("a single point gives zero times and its own values")
    func singlePoint() throws {
        var point = TrackPoint(time: TrackFactory.start)
        point.latitude = 46
        point.longitude = 7
        point.heartRate = 120
        point.altitude = 500
        var track = Track(format: .gpx)
        track.points = [point]
        let metrics = ActivityMetrics.compute(track: track)
        #expect(metrics.elapsedTime == 0 && metrics.movingTime == 0)
        #expect(metrics.distance == nil)
        #expect(metrics.averageHeartRate == 120 && metrics.maxHeartRate == 120)
        #expect(metrics.elevationGain == 0)
        _ = try JSONEncoder().encode(metrics)
    }

    @Test("out-of-order and duplicate timestamps do not produce negative or NaN values")
    func unorderedTimes() throws {
        var track = TrackFactory.constantSpeed(3, seconds: 100)
        track.points.swapAt(10, 11)
        track.points[50].time = track.points[49].time
        let metrics = ActivityMetrics.compute(track: track)
        #expect(try #require(metrics.movingTime) >= 0)
        // JSONEncoder refuses NaN and infinity, so encoding proves the result is finite.
        _ = try JSONEncoder().encode(metrics)
    }

    @Test("all outputs of a realistic noisy ride are finite", arguments: [2, 3, 31, 5_000])
    func finiteOutputs(points: Int) throws {
        let track = Self.noisyRide(points: points)
        let metrics = ActivityMetrics.compute(
            track: track, athlete: AthleteSettings(weight: 72, age: 35, sex: .female, functionalThresholdPower: 240))
        _ = try JSONEncoder().encode(metrics)
        _ = try JSONEncoder().encode(ActivityStreams(track: track).downsampled(to: 500))
        for metric in MetricRegistry.all {
            if let value = metric.scalarValue(in: metrics) { #expect(value.isFinite, "\(metric.symbol)") }
        }
    }

    @Test("results are bit-for-bit reproducible")
    func reproducible() throws {
        let track = Self.noisyRide(points: 5_000)
        let athlete = AthleteSettings(weight: 72, age: 35, functionalThresholdPower: 240)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let first = try encoder.encode(ActivityMetrics.compute(track: track, athlete: athlete))
        let second = try encoder.encode(ActivityMetrics.compute(track: track, athlete: athlete))
        #expect(first == second)
    }
}
