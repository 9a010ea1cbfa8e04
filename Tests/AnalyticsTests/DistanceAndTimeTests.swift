import ActivityFiles
import Analytics
import Foundation
import Testing

@Suite("Distance, time and splits")
struct DistanceAndTimeTests {
    @Test("constant speed gives exact kilometre splits and a remainder", arguments: [2.5, 4.0])
    func kilometreSplitsAtConstantSpeed(speed: Double) {
        // 10.5 km at constant speed.
        let seconds = Int(10_500 / speed)
        let metrics = ActivityMetrics.compute(track: TrackFactory.constantSpeed(speed, seconds: seconds))
        #expect(metrics.distance == 10_500)
        #expect(metrics.splitsPerKilometre.count == 11)
        for split in metrics.splitsPerKilometre.prefix(10) {
            #expect(split.distance == 1000)
            #expect(abs(split.elapsedTime - 1000 / speed) < 1e-9)
            #expect(abs(split.movingTime - 1000 / speed) < 1e-9)
            #expect(abs((split.averageSpeed ?? 0) - speed) < 1e-9)
        }
        let last = metrics.splitsPerKilometre[10]
        #expect(abs(last.distance - 500) < 1e-9)
        #expect(abs(last.elapsedTime - 500 / speed) < 1e-9)
        #expect(metrics.splitsPerKilometre.map(\.index) == Array(1...11))
    }

    @Test("mile splits are 1609.344 m at the same pace")
    func mileSplits() {
        let metrics = ActivityMetrics.compute(track: TrackFactory.constantSpeed(4, seconds: 2_500))
        // 10 km = 6 full miles + 343.936 m.
        #expect(metrics.splitsPerMile.count == 7)
        #expect(abs(metrics.splitsPerMile[0].elapsedTime - 1609.344 / 4) < 1e-9)
        #expect(abs(metrics.splitsPerMile[6].distance - (10_000 - 6 * 1609.344)) < 1e-6)
    }

    @Test("elapsed, moving time, average speed and pace at constant speed")
    func constantSpeedTotals() throws {
        let metrics = ActivityMetrics.compute(track: TrackFactory.constantSpeed(3, seconds: 1_000))
        #expect(metrics.elapsedTime == 1_000)
        #expect(metrics.movingTime == 1_000)
        #expect(metrics.timerTime == 1_000)
        #expect(try abs(#require(metrics.averageSpeed) - 3) < 1e-12)
        #expect(try abs(#require(metrics.averagePace) - 1.0 / 3) < 1e-12)
        #expect(try abs(#require(metrics.maxSpeed) - 3) < 1e-9)
    }

    @Test("a stop is excluded from moving time but not from elapsed time")
    func stopExcludedFromMovingTime() throws {
        // 1000 s at 3 m/s, 300 s standing (samples keep coming), 1000 s at 3 m/s.
        let track = TrackFactory.track(seconds: 2_300) { second, point in
            let movingSeconds = second <= 1_000 ? second : max(1_000, second - 300)
            point.distance = 3 * Double(movingSeconds)
        }
        let metrics = ActivityMetrics.compute(track: track)
        #expect(metrics.elapsedTime == 2_300)
        #expect(metrics.movingTime == 2_000)
        #expect(try abs(#require(metrics.averageSpeed) - 3) < 1e-12)
        // The split containing the stop is 300 s slower in elapsed time but not in moving time.
        let second = metrics.splitsPerKilometre[3]
        #expect(abs(second.elapsedTime - (1000.0 / 3 + 300)) < 1e-6)
        #expect(abs(second.movingTime - 1000.0 / 3) < 1e-6)
    }

    @Test("a recording gap longer than 30 s is not moving")
    func recordingGapNotMoving() {
        var track = TrackFactory.constantSpeed(3, seconds: 600)
        // Drop samples 201…319: one 120 s interval.
        track.points.removeSubrange(201..<320)
        let metrics = ActivityMetrics.compute(track: track)
        #expect(metrics.elapsedTime == 600)
        #expect(metrics.movingTime == 480)
        #expect(metrics.timerTime == 480)
    }

    @Test("timer pauses are neither recorded nor moving")
    func timerPausesExcluded() {
        // Samples continue during a 100 s timer pause (as some devices do) at walking speed.
        var track = TrackFactory.constantSpeed(3, seconds: 1_000)
        track.timerEvents = [
            TimerEvent(time: TrackFactory.start, kind: .start),
            TimerEvent(time: TrackFactory.start.addingTimeInterval(400), kind: .stop),
            TimerEvent(time: TrackFactory.start.addingTimeInterval(500), kind: .start),
        ]
        let metrics = ActivityMetrics.compute(track: track)
        #expect(metrics.movingTime == 900)
        #expect(metrics.timerTime == 900)
        #expect(metrics.elapsedTime == 1_000)
    }

    @Test("without device distance the geodesic sum of positions is used")
    func distanceFromPositions() throws {
        // 0.01° steps along the equator: 1 113.194908 m each (GeographicLib: 111 319.4908 m per degree).
        let track = TrackFactory.track(seconds: 100, sport: "cycling") { second, point in
            point.latitude = 0
            point.longitude = Double(second) * 0.01
        }
        let metrics = ActivityMetrics.compute(track: track)
        #expect(try abs(#require(metrics.distance) - 111_319.4908) < 0.01)
    }

    @Test("device distance is preferred over positions, and the device total over both")
    func devicePreferred() {
        var track = TrackFactory.track(seconds: 10) { second, point in
            point.latitude = 0
            point.longitude = Double(second) * 0.01
            point.distance = Double(second) * 10
        }
        #expect(ActivityMetrics.compute(track: track).distance == 100)
        var summary = DeviceSummary()
        summary.distance = 123
        track.deviceSummary = summary
        #expect(ActivityMetrics.compute(track: track).distance == 123)
    }

    @Test(
        "sport-dependent speed threshold decides moving",
        arguments: [("running", 0.5, true), ("cycling", 0.5, false), ("walking", 0.3, true), ("running", 0.3, false)])
    func sportThreshold(sport: String, speed: Double, moving: Bool) {
        let metrics = ActivityMetrics.compute(track: TrackFactory.constantSpeed(speed, seconds: 100, sport: sport))
        #expect(metrics.movingTime == (moving ? 100 : 0))
    }
}

@Suite("Laps")
struct LapTests {
    @Test("laps get their statistics from the samples between their starts")
    func lapStatistics() throws {
        // 400 s at 2.5 m/s with 140 bpm, then 400 s at 4 m/s with 170 bpm.
        var track = TrackFactory.track(seconds: 800) { second, point in
            point.distance = second <= 400 ? 2.5 * Double(second) : 1_000 + 4 * Double(second - 400)
            point.heartRate = second <= 400 ? 140 : 170
        }
        var first = Lap(startTime: TrackFactory.start)
        first.trigger = "distance"
        var second = Lap(startTime: TrackFactory.start.addingTimeInterval(400))
        second.calories = 55
        track.laps = [first, second]
        let laps = ActivityMetrics.compute(track: track).laps
        #expect(laps.count == 2)
        #expect(laps[0].elapsedTime == 400 && laps[1].elapsedTime == 400)
        #expect(try abs(#require(laps[0].distance) - 1_000) < 1e-9)
        #expect(try abs(#require(laps[1].distance) - 1_600) < 1e-9)
        #expect(try abs(#require(laps[0].averageSpeed) - 2.5) < 1e-9)
        #expect(laps[0].averageHeartRate == 140 && laps[1].averageHeartRate == 170)
        #expect(laps[1].maxHeartRate == 170 && laps[0].trigger == "distance" && laps[1].calories == 55)
        #expect(laps[1].startOffset == 400)
    }
}
