import ActivityFiles
import Analytics
import Testing

@Suite("Elevation gain and loss")
struct ElevationTests {
    /// Plateaus of 60 s rising by ten 10 m steps (and optionally back down), with ±`noise` m of deterministic noise.
    static func stairs(noise: Double, down: Bool, seed: UInt64) -> Track {
        var random = TrackFactory.Noise(state: seed)
        let plateaus = down ? 21 : 11
        return TrackFactory.track(seconds: plateaus * 60 - 1) { second, point in
            let step = second / 60
            let level = Double(step <= 10 ? step : 20 - step)
            point.distance = 2 * Double(second)
            point.altitude = 500 + 10 * level + noise * random.next()
        }
    }

    @Test("a noisy staircase climbs close to its true 100 m", arguments: [0.0, 1.0, 1.5], [UInt64(1), 42, 2024])
    func staircaseGain(noise: Double, seed: UInt64) throws {
        let metrics = ActivityMetrics.compute(track: Self.stairs(noise: noise, down: false, seed: seed))
        let gain = try #require(metrics.elevationGain)
        // The smoothed extremes can each be off by the noise amplitude.
        #expect(abs(gain - 100) <= 2 * noise + 1e-9)
        #expect(try #require(metrics.elevationLoss) <= 2 * noise)
    }

    @Test("up and down a noisy staircase gains and loses about 100 m", arguments: [UInt64(7), 99])
    func upAndDown(seed: UInt64) throws {
        let metrics = ActivityMetrics.compute(track: Self.stairs(noise: 1, down: true, seed: seed))
        #expect(try abs(#require(metrics.elevationGain) - 100) <= 2)
        #expect(try abs(#require(metrics.elevationLoss) - 100) <= 2)
    }

    @Test("±1.5 m noise on a flat course does not count as climbing", arguments: [UInt64(5), 6, 7])
    func flatNoise(seed: UInt64) throws {
        var random = TrackFactory.Noise(state: seed)
        let track = TrackFactory.track(seconds: 3_600) { second, point in
            point.distance = 3 * Double(second)
            point.altitude = 200 + 1.5 * random.next()
        }
        let metrics = ActivityMetrics.compute(track: track)
        #expect(try #require(metrics.elevationGain) < 3)
    }

    @Test("hysteresis counts each climb from its lowest to its highest point")
    func hysteresisCountsWholeClimbs() {
        let profile: [Double] = [0, 1, 2, 10, 9, 8, 2, 1, 1, 20, 19.5]
        let (gain, loss) = ElevationProfile.gainAndLoss(profile, threshold: 3)
        #expect(gain == 10 + 19)
        #expect(loss == 9)
    }

    @Test("the device's ascent overrides the recomputed one")
    func deviceAscentPreferred() {
        var track = Self.stairs(noise: 0, down: false, seed: 1)
        var summary = DeviceSummary()
        summary.ascent = 97
        track.deviceSummary = summary
        #expect(ActivityMetrics.compute(track: track).elevationGain == 97)
    }
}
