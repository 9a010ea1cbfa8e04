/// How a metric combines across activities (GoldenCheetah's RideMetric types).
public enum MetricAggregation: String, Sendable, Equatable, Codable {
    /// Summed (distance, time, TSS).
    case total
    /// Averaged, weighted by duration (heart rate, speed).
    case average
    /// The maximum (max power, best efforts).
    case peak
}

/// A metric definition in the style of GoldenCheetah's RideMetric, but value-typed: a stable symbol used in
/// storage and the API, a unit, an aggregation, the sports it applies to, what it depends on, and a version that
/// bumps when its formula changes.
public struct Metric: Sendable, Equatable, Hashable {
    /// Stable snake_case identifier (`moving_time`, `normalized_power`).
    public var symbol: String
    /// English display name.
    public var name: String
    /// SI unit symbol (`m`, `s`, `m/s`, `s/m`, `W`, `bpm`, `rpm`, `kcal`) or `1` for dimensionless values.
    public var unit: String
    public var aggregation: MetricAggregation
    /// The sports the metric is computed for.
    public var sports: Set<Sport>
    /// The streams, settings or other metrics it needs (`stream:power`, `setting:ftp`, `normalized_power`).
    public var dependencies: [String]
    /// Bumped whenever this metric's formula changes.
    public var version: Int

    /// Whether ``scalarValue(in:)`` reads a number; collection metrics (splits, curves, zones) return `nil`.
    public var isScalar: Bool { ActivityMetrics.scalarKeyPaths[symbol] != nil }

    /// The metric's value in a result, for scalar metrics.
    public func scalarValue(in metrics: ActivityMetrics) -> Double? {
        ActivityMetrics.scalarKeyPaths[symbol].flatMap { metrics[keyPath: $0] }
    }
}

extension ActivityMetrics {
    static let scalarKeyPaths: [String: any KeyPath<ActivityMetrics, Double?> & Sendable] = [
        "distance": \.distance, "elapsed_time": \.elapsedTime, "timer_time": \.timerTime,
        "moving_time": \.movingTime, "elevation_gain": \.elevationGain, "elevation_loss": \.elevationLoss,
        "min_altitude": \.minAltitude, "max_altitude": \.maxAltitude, "average_speed": \.averageSpeed,
        "max_speed": \.maxSpeed, "average_pace": \.averagePace, "average_heart_rate": \.averageHeartRate,
        "max_heart_rate": \.maxHeartRate, "average_cadence": \.averageCadence, "max_cadence": \.maxCadence,
        "average_power": \.averagePower, "max_power": \.maxPower, "normalized_power": \.normalizedPower,
        "intensity_factor": \.intensityFactor, "training_stress_score": \.trainingStressScore, "trimp": \.trimp,
        "calories": \.calories,
    ]
}

/// All metrics Stamina computes.
public enum MetricRegistry {
    /// Bumped whenever any metric's ``Metric/version`` changes, so stored ``ActivityMetrics`` with an older
    /// `metricSetVersion` get recomputed.
    public static let metricSetVersion = 1

    static let allSports = Set(Sport.allCases)
    static let distanceSports: Set<Sport> = allSports.subtracting([.strength, .yoga])
    static let runningSports: Set<Sport> = [.running, .trailRunning]
    static let rideSports: Set<Sport> = [.cycling, .mountainBiking]

    /// Every metric, in display order.
    public static let all: [Metric] = [
        metric("distance", "Distance", "m", .total, distanceSports, ["stream:distance", "stream:position"]),
        metric("elapsed_time", "Elapsed time", "s", .total, allSports, ["stream:time"]),
        metric("timer_time", "Timer time", "s", .total, allSports, ["stream:time", "timer_events"]),
        metric(
            "moving_time", "Moving time", "s", .total, allSports, ["stream:time", "stream:distance", "timer_events"]),
        metric("elevation_gain", "Elevation gain", "m", .total, distanceSports, ["stream:altitude"]),
        metric("elevation_loss", "Elevation loss", "m", .total, distanceSports, ["stream:altitude"]),
        metric("min_altitude", "Minimum altitude", "m", .peak, distanceSports, ["stream:altitude"]),
        metric("max_altitude", "Maximum altitude", "m", .peak, distanceSports, ["stream:altitude"]),
        metric("average_speed", "Average speed", "m/s", .average, distanceSports, ["distance", "moving_time"]),
        metric("max_speed", "Maximum speed", "m/s", .peak, distanceSports, ["stream:distance", "stream:speed"]),
        metric("average_pace", "Average pace", "s/m", .average, distanceSports, ["distance", "moving_time"]),
        metric("average_heart_rate", "Average heart rate", "bpm", .average, allSports, ["stream:heart_rate"]),
        metric("max_heart_rate", "Maximum heart rate", "bpm", .peak, allSports, ["stream:heart_rate"]),
        metric(
            "time_in_heart_rate_zones", "Time in heart-rate zones", "s", .total, allSports,
            ["stream:heart_rate", "setting:heart_rate_zones"]),
        metric("average_cadence", "Average cadence", "rpm", .average, allSports, ["stream:cadence", "moving_time"]),
        metric("max_cadence", "Maximum cadence", "rpm", .peak, allSports, ["stream:cadence"]),
        metric("average_power", "Average power", "W", .average, allSports, ["stream:power"]),
        metric("max_power", "Maximum power", "W", .peak, allSports, ["stream:power"]),
        metric("normalized_power", "Normalized power", "W", .average, allSports, ["stream:power"]),
        metric("intensity_factor", "Intensity factor", "1", .peak, allSports, ["normalized_power", "setting:ftp"]),
        metric(
            "training_stress_score", "Training stress score", "1", .total, allSports,
            ["normalized_power", "intensity_factor", "setting:ftp"]),
        metric(
            "time_in_power_zones", "Time in power zones", "s", .total, allSports,
            ["stream:power", "setting:power_zones"]),
        metric(
            "trimp", "TRIMP", "1", .total, allSports,
            ["stream:heart_rate", "setting:max_heart_rate", "setting:resting_heart_rate", "setting:sex"]),
        metric(
            "calories", "Calories", "kcal", .total, allSports,
            ["device:calories", "average_heart_rate", "moving_time", "setting:weight", "setting:age", "setting:sex"]),
        metric("splits_km", "Splits per kilometre", "s", .total, distanceSports, ["stream:distance", "moving_time"]),
        metric("splits_mile", "Splits per mile", "s", .total, distanceSports, ["stream:distance", "moving_time"]),
        metric("laps", "Laps", "s", .total, allSports, ["laps", "moving_time"]),
        metric("best_efforts", "Best efforts", "s", .peak, runningSports, ["stream:distance", "stream:time"]),
        metric("power_curve", "Power curve", "W", .peak, rideSports, ["stream:power"]),
    ]

    /// The metric with this symbol.
    public static func metric(symbol: String) -> Metric? {
        bySymbol[symbol]
    }

    /// The metrics that apply to a sport.
    public static func metrics(for sport: Sport) -> [Metric] {
        all.filter { $0.sports.contains(sport) }
    }

    private static let bySymbol = Dictionary(uniqueKeysWithValues: all.map { ($0.symbol, $0) })

    private static func metric(
        _ symbol: String, _ name: String, _ unit: String, _ aggregation: MetricAggregation, _ sports: Set<Sport>,
        _ dependencies: [String], version: Int = 1
    ) -> Metric {
        Metric(
            symbol: symbol, name: name, unit: unit, aggregation: aggregation, sports: sports,
            dependencies: dependencies, version: version)
    }
}
