import Foundation
import Testing

@testable import Analytics

/// The metrics' JSON: stored in full, shown as a summary beside the collections.
@Suite("Metrics JSON")
struct MetricsCodingTests {
    /// Metrics with every member set, so that a member the hand-written encoding forgets shows.
    static var full: ActivityMetrics {
        var metrics = ActivityMetrics(sport: .cycling)
        let numbers: [WritableKeyPath<ActivityMetrics, Double?>] = [
            \.distance, \.elapsedTime, \.timerTime, \.movingTime, \.elevationGain, \.elevationLoss, \.minAltitude,
            \.maxAltitude, \.averageSpeed, \.maxSpeed, \.averagePace, \.averageHeartRate, \.maxHeartRate,
            \.averageCadence, \.maxCadence, \.averagePower, \.maxPower, \.normalizedPower, \.intensityFactor,
            \.trainingStressScore, \.trimp, \.calories,
        ]
        for (index, path) in numbers.enumerated() { metrics[keyPath: path] = Double(index) + 0.5 }
        metrics.caloriesSource = .heartRate
        metrics.splitsPerKilometre = [
            Split(
                index: 1, distance: 1_000, elapsedTime: 300, movingTime: 290, elevationDelta: 4, averageHeartRate: 150,
                averageSpeed: 3.4)
        ]
        metrics.splitsPerMile = metrics.splitsPerKilometre
        metrics.laps = [LapMetrics(index: 1, startOffset: 0, elapsedTime: 600, movingTime: 590, trigger: "manual")]
        metrics.bestEfforts = [BestEffort(distance: 400, elapsedTime: 80, startOffset: 12)]
        metrics.powerCurve = [PowerCurvePoint(duration: 5, power: 610)]
        metrics.heartRateZones = [ZoneTime(zone: 1, lowerBound: 100, time: 60)]
        metrics.powerZones = [ZoneTime(zone: 2, lowerBound: 150, time: 30)]
        return metrics
    }

    @Test("every member survives the stored JSON")
    func roundTrip() throws {
        let metrics = Self.full
        let decoded = try JSONDecoder().decode(ActivityMetrics.self, from: JSONEncoder().encode(metrics))
        #expect(decoded == metrics)
    }

    @Test("the summary is the stored JSON without laps, splits, best efforts and power curve")
    func summary() throws {
        let metrics = Self.full
        let whole = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(metrics)) as? [String: Any])
        let summary = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(metrics.summary)) as? [String: Any])
        let collections: Set = ["splitsPerKilometre", "splitsPerMile", "laps", "bestEfforts", "powerCurve"]
        #expect(Set(whole.keys).subtracting(summary.keys) == collections)
        #expect(summary.keys.allSatisfy { whole[$0] != nil })
        #expect(summary["heartRateZones"] != nil && summary["trimp"] as? Double == 20.5)
    }
}
