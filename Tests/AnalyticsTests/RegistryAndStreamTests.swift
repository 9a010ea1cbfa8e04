import ActivityFiles
import Analytics
import Testing

@Suite("Metric registry")
struct MetricRegistryTests {
    @Test("symbols are unique stable snake_case identifiers")
    func uniqueSymbols() {
        let symbols = MetricRegistry.all.map(\.symbol)
        #expect(Set(symbols).count == symbols.count)
        #expect(symbols.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" } })
        #expect(MetricRegistry.metricSetVersion >= 1)
    }

    @Test(
        "core metrics are registered with their units",
        arguments: [
            ("distance", "m"), ("moving_time", "s"), ("elevation_gain", "m"), ("normalized_power", "W"),
            ("average_heart_rate", "bpm"), ("calories", "kcal"), ("average_speed", "m/s"),
        ])
    func registered(symbol: String, unit: String) throws {
        let metric = try #require(MetricRegistry.metric(symbol: symbol))
        #expect(metric.unit == unit)
        #expect(metric.isScalar)
    }

    @Test("scalar metrics read their value from a result")
    func scalarValues() throws {
        let metrics = ActivityMetrics.compute(track: TrackFactory.constantSpeed(3, seconds: 1_000))
        #expect(try #require(MetricRegistry.metric(symbol: "distance")).scalarValue(in: metrics) == 3_000)
        #expect(try #require(MetricRegistry.metric(symbol: "moving_time")).scalarValue(in: metrics) == 1_000)
        #expect(try !#require(MetricRegistry.metric(symbol: "power_curve")).isScalar)
    }

    @Test("sport-specific metrics apply only to their sports")
    func sportSpecific() {
        let running = Set(MetricRegistry.metrics(for: .running).map(\.symbol))
        let cycling = Set(MetricRegistry.metrics(for: .cycling).map(\.symbol))
        #expect(running.contains("best_efforts") && !running.contains("power_curve"))
        #expect(cycling.contains("power_curve") && !cycling.contains("best_efforts"))
        #expect(!MetricRegistry.metrics(for: .strength).map(\.symbol).contains("distance"))
    }

    @Test("results carry the metric set version")
    func resultVersion() {
        #expect(ActivityMetrics.compute(track: Track(format: .fit)).metricSetVersion == MetricRegistry.metricSetVersion)
    }
}

@Suite("Streams")
struct StreamTests {
    @Test("grade on a constant slope is that slope", arguments: [-8.0, 0.0, 5.0])
    func constantGrade(percent: Double) throws {
        let track = TrackFactory.track(seconds: 600) { second, point in
            point.distance = 3 * Double(second)
            point.altitude = 100 + 3 * Double(second) * percent / 100
        }
        let grade = try #require(ActivityStreams(track: track).grade)
        for value in grade[20..<580] { #expect(abs(value - percent) < 1e-9) }
    }

    @Test("velocity, moving flags and streams stay aligned")
    func alignedStreams() throws {
        let track = TrackFactory.track(seconds: 300) { second, point in
            point.distance = second < 100 ? 3 * Double(second) : 300
            point.heartRate = 150
        }
        let streams = ActivityStreams(track: track)
        #expect(streams.count == 301)
        #expect(try #require(streams.velocity)[50] == 3)
        #expect(streams.moving[50] && !streams.moving[200])
        #expect(streams.power == nil && streams.altitude == nil)
        #expect(try #require(streams.heartRate).count == 301)
    }

    @Test("downsampling keeps the ends, the count and a spike", arguments: [10, 100, 1_000])
    func downsampling(count: Int) throws {
        let track = TrackFactory.track(seconds: 9_999) { second, point in
            point.distance = 3 * Double(second)
            point.altitude = second == 5_003 ? 900 : 100
        }
        let streams = ActivityStreams(track: track)
        let small = streams.downsampled(to: count)
        #expect(small.count == count)
        #expect(small.time.first == 0 && small.time.last == 9_999)
        #expect(try #require(small.distance).count == count && small.moving.count == count)
        // The smoothed spike (900 m over 5 samples → 260 m peak) survives LTTB.
        #expect(try #require(small.altitude).max() == 260)
        #expect(zip(small.time, small.time.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("uniform downsampling spreads indices evenly", arguments: [(10, 5, [0, 2, 5, 7, 9]), (3, 5, [0, 1, 2])])
    func uniform(count: Int, target: Int, expected: [Int]) {
        #expect(Downsampling.uniform(count: count, to: target) == expected)
    }
}
