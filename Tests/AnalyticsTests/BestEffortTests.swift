import Analytics
import Testing

@Suite("Best efforts")
struct BestEffortTests {
    @Test("at constant speed every best effort is distance over speed")
    func constantSpeed() {
        let metrics = ActivityMetrics.compute(track: TrackFactory.constantSpeed(4, seconds: 12_000))
        #expect(metrics.bestEfforts.map(\.distance) == [400, 1000, 1609.344, 5000, 10_000, 21_097.5, 42_195])
        for effort in metrics.bestEfforts {
            #expect(abs(effort.elapsedTime - effort.distance / 4) < 1e-6)
        }
    }

    @Test("a fast kilometre in the middle is found with interpolated ends")
    func fastKilometre() throws {
        // 3 m/s, then 1 km at 5 m/s starting at 1000.5 m (between samples), then 3 m/s.
        var time: [Double] = []
        var distance: [Double] = []
        var d = 0.0
        var t = 0.0
        while d < 4_000 {
            time.append(t)
            distance.append(d)
            let fast = d >= 1_000.5 && d < 2_000.5
            d += fast ? 5 : 3
            t += 1
        }
        let efforts = BestEfforts.compute(time: time, distance: distance)
        let kilometre = try #require(efforts.first { $0.distance == 1000 })
        #expect(abs(kilometre.elapsedTime - 200) < 0.5)
        let quarter = try #require(efforts.first { $0.distance == 400 })
        #expect(abs(quarter.elapsedTime - 80) < 1e-9)
        #expect(!efforts.contains { $0.distance == 5000 })
    }

    @Test("best efforts are computed for runs, not rides")
    func onlyForRuns() {
        #expect(
            ActivityMetrics.compute(track: TrackFactory.constantSpeed(8, seconds: 600, sport: "cycling"))
                .bestEfforts.isEmpty)
    }

    @Test("a stop inside the window counts (elapsed time)")
    func stopCounts() throws {
        // 400 m in 100 s, a 60 s stop, then 400 m in 100 s: the best 400 m avoids the stop.
        let time: [Double] = [0, 100, 160, 260]
        let distance: [Double] = [0, 400, 400, 800]
        let efforts = BestEfforts.compute(time: time, distance: distance, distances: [400, 800])
        #expect(efforts.map(\.elapsedTime) == [100, 260])
    }
}
