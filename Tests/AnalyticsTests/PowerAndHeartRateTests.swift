import ActivityFiles
import Analytics
import Foundation
import Testing

@Suite("Power metrics")
struct PowerTests {
    static func ride(seconds: Int, power: @escaping (Int) -> Double) -> Track {
        TrackFactory.track(seconds: seconds, sport: "cycling") { second, point in
            point.distance = 8 * Double(second)
            point.power = power(second)
        }
    }

    @Test("constant power: NP equals average, IF is NP/FTP and an hour at FTP is 100 TSS", arguments: [150.0, 250.0])
    func constantPower(watts: Double) throws {
        let metrics = ActivityMetrics.compute(
            track: Self.ride(seconds: 3_600) { _ in watts },
            athlete: AthleteSettings(functionalThresholdPower: watts))
        #expect(try abs(#require(metrics.normalizedPower) - watts) < 1e-9)
        #expect(try abs(#require(metrics.averagePower) - watts) < 1e-9)
        #expect(try abs(#require(metrics.intensityFactor) - 1) < 1e-12)
        #expect(try abs(#require(metrics.trainingStressScore) - 100) < 1e-9)
        #expect(metrics.maxPower == watts)
    }

    @Test("NP of 30 min at 400 W then 30 min at 0 W follows Coggan's rolling 4th-power mean")
    func blockNormalizedPower() throws {
        // Samples 1…1800 carry 400 W, 1801…3600 carry 0 W: 3600 one-second values. The 30 s rolling averages:
        // 1771 windows at 400 W, 29 windows at 400·k/30 for k = 29…1, and 1771 at 0 W.
        let metrics = ActivityMetrics.compute(track: Self.ride(seconds: 3_600) { $0 <= 1_800 ? 400 : 0 })
        var sum: Double = 1_771 * pow(400.0, 4)
        for k in 1...29 { sum += pow(400 * Double(k) / 30, 4.0) }
        let expected: Double = pow(sum / Double(3_600 - 29), 0.25)
        #expect(try abs(#require(metrics.normalizedPower) - expected) < 1e-9)
        #expect(try abs(#require(metrics.averagePower) - 200) < 1e-9)
        // Coggan's point: NP is well above the average for surges.
        #expect(expected > 330)
    }

    @Test("the power curve finds the best block of each duration")
    func powerCurve() throws {
        // 200 W background with a 5 min block at 350 W and a 5 s sprint at 900 W.
        let metrics = ActivityMetrics.compute(
            track: Self.ride(seconds: 3_600) { second in
                if (1_001...1_300).contains(second) { return 350 }
                if (2_001...2_005).contains(second) { return 900 }
                return 200
            })
        let curve = Dictionary(uniqueKeysWithValues: metrics.powerCurve.map { ($0.duration, $0.power) })
        #expect(curve[5] == 900)
        // The sprint's 5 s plus 5 s of background on either side.
        let tenSeconds: Double = (5 * 900 + 5 * 200) / 10
        #expect(try abs(#require(curve[10]) - tenSeconds) < 1e-9)
        #expect(curve[300] == 350)
        let tenMinutes: Double = (300 * 350 + 300 * 200) / 600
        #expect(try abs(#require(curve[600]) - tenMinutes) < 1e-9)
        #expect(curve[3_600] != nil)
        #expect(metrics.powerCurve.map(\.duration) == [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600])
    }

    @Test("power zones default to Coggan's levels of FTP")
    func powerZones() throws {
        let metrics = ActivityMetrics.compute(
            track: Self.ride(seconds: 600) { $0 <= 300 ? 100 : 260 },
            athlete: AthleteSettings(functionalThresholdPower: 250))
        let zones = try #require(metrics.powerZones)
        #expect(zones.count == 7)
        // 100 W = 40 % FTP (level 1); 260 W = 104 % (level 4, 91–105 %).
        #expect(zones[0].time == 300 && zones[3].time == 300)
        #expect(zones.map(\.time).reduce(0, +) == 600)
    }

    @Test("an indoor ride without distance moves when pedalling")
    func indoorRideMovesOnPower() {
        let track = TrackFactory.track(seconds: 600, sport: "cycling", subSport: "indoor_cycling") { second, point in
            point.power = (200...299).contains(second) ? 0 : 180
        }
        let metrics = ActivityMetrics.compute(track: track)
        #expect(metrics.distance == nil)
        #expect(metrics.movingTime == 500)
        #expect(metrics.splitsPerKilometre.isEmpty)
    }
}

@Suite("Heart rate, TRIMP and calories")
struct HeartRateTests {
    static func run(seconds: Int, heartRate: @escaping (Int) -> Double?) -> Track {
        TrackFactory.track(seconds: seconds) { second, point in
            point.distance = 3 * Double(second)
            point.heartRate = heartRate(second)
        }
    }

    @Test("average and max heart rate are time-weighted over recorded time")
    func averageAndMax() throws {
        // 1200 s at 140, 600 s at 170 (sample i describes the interval before it).
        let metrics = ActivityMetrics.compute(track: Self.run(seconds: 1_800) { $0 <= 1_200 ? 140 : 170 })
        let expected: Double = (1_200 * 140 + 600 * 170) / 1_800
        #expect(try abs(#require(metrics.averageHeartRate) - expected) < 1e-9)
        #expect(metrics.maxHeartRate == 170)
    }

    @Test("default zones are 50/60/70/80/90 % of the maximum from Tanaka's formula")
    func defaultZones() throws {
        // Age 40 → max 180; 100 bpm (55 %) is zone 1, 170 bpm (94 %) is zone 5.
        let metrics = ActivityMetrics.compute(
            track: Self.run(seconds: 1_000) { $0 <= 400 ? 100 : 170 }, athlete: AthleteSettings(age: 40))
        let zones = try #require(metrics.heartRateZones)
        for (bound, expected) in zip(zones.map(\.lowerBound), [90.0, 108, 126, 144, 162]) {
            #expect(abs(bound - expected) < 1e-9)
        }
        #expect(zones.map(\.time) == [400, 0, 0, 0, 600])
    }

    @Test("the athlete's own zones are used")
    func customZones() throws {
        let metrics = ActivityMetrics.compute(
            track: Self.run(seconds: 100) { _ in 150 }, athlete: AthleteSettings(heartRateZones: [0, 120, 149, 160]))
        #expect(try #require(metrics.heartRateZones).map(\.time) == [0, 0, 100, 0])
    }

    @Test("Banister TRIMP at constant heart-rate reserve", arguments: [AthleteSettings.Sex.male, .female])
    func trimp(sex: AthleteSettings.Sex) throws {
        // One hour at 130 bpm with rest 60 and max 200: HRr = 0.5.
        let metrics = ActivityMetrics.compute(
            track: Self.run(seconds: 3_600) { _ in 130 },
            athlete: AthleteSettings(sex: sex, maxHeartRate: 200, restingHeartRate: 60))
        let expected = sex == .male ? 60 * 0.5 * 0.64 * exp(1.92 * 0.5) : 60 * 0.5 * 0.86 * exp(1.67 * 0.5)
        #expect(try abs(#require(metrics.trimp) - expected) < 1e-9)
    }

    @Test("calories come from Keytel's equation when heart rate, weight and age are known")
    func keytelCalories() throws {
        let metrics = ActivityMetrics.compute(
            track: Self.run(seconds: 3_600) { _ in 150 }, athlete: AthleteSettings(weight: 70, age: 30, sex: .male))
        let expected = (-55.0969 + 0.6309 * 150 + 0.1988 * 70 + 0.2017 * 30) / 4.184 * 60
        #expect(try abs(#require(metrics.calories) - expected) < 1e-9)
        #expect(metrics.caloriesSource == .heartRate)
    }

    @Test("without heart rate, calories are MET × weight × hours")
    func metCalories() throws {
        let metrics = ActivityMetrics.compute(
            track: Self.run(seconds: 3_600) { _ in nil }, athlete: AthleteSettings(weight: 70))
        #expect(try abs(#require(metrics.calories) - 8.0 * 70) < 1e-9)
        #expect(metrics.caloriesSource == .met)
        #expect(metrics.averageHeartRate == nil && metrics.heartRateZones == nil && metrics.trimp == nil)
    }

    @Test("the device's calories win")
    func deviceCalories() {
        var track = Self.run(seconds: 600) { _ in 150 }
        var summary = DeviceSummary()
        summary.calories = 321
        track.deviceSummary = summary
        let metrics = ActivityMetrics.compute(track: track, athlete: AthleteSettings(weight: 70, age: 30))
        #expect(metrics.calories == 321 && metrics.caloriesSource == .device)
    }

    @Test("cadence average excludes zeros and counts moving time only")
    func cadence() {
        let track = TrackFactory.track(seconds: 300, sport: "cycling") { second, point in
            point.distance = 8 * Double(second)
            point.cadence = second <= 100 ? 0 : 90
        }
        let metrics = ActivityMetrics.compute(track: track)
        #expect(metrics.averageCadence == 90 && metrics.maxCadence == 90)
    }
}
