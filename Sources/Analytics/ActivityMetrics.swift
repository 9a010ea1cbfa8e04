/// Every metric of one activity, in SI units (metres, seconds, metres per second, watts, kilocalories, beats and
/// revolutions per minute). A field is `nil` when the track lacks the data it needs or the metric does not apply
/// to the sport. Computed by ``ActivityMetrics/compute(track:athlete:sport:)``.
public struct ActivityMetrics: Sendable, Equatable, Codable {
    /// ``MetricRegistry/metricSetVersion`` at computation time: stored values older than the current version
    /// should be recomputed.
    public var metricSetVersion: Int
    public var sport: Sport

    /// Metres.
    public var distance: Double?
    /// Seconds from first to last sample, pauses included.
    public var elapsedTime: Double?
    /// Seconds the timer ran (device value, else elapsed time minus timer pauses and recording gaps).
    public var timerTime: Double?
    /// Seconds in motion (see ``MovingRule``).
    public var movingTime: Double?
    /// Metres climbed (device value when present, else ``ElevationProfile``).
    public var elevationGain: Double?
    /// Metres descended.
    public var elevationLoss: Double?
    /// Metres, of the smoothed profile.
    public var minAltitude: Double?
    /// Metres, of the smoothed profile.
    public var maxAltitude: Double?
    /// Metres per second: distance over moving time.
    public var averageSpeed: Double?
    /// Metres per second.
    public var maxSpeed: Double?
    /// Seconds per metre: moving time over distance (× 1000 for the usual s/km).
    public var averagePace: Double?
    /// Beats per minute, time-weighted over recorded time.
    public var averageHeartRate: Double?
    public var maxHeartRate: Double?
    /// Revolutions (strides) per minute, time-weighted over moving time, zeros excluded.
    public var averageCadence: Double?
    public var maxCadence: Double?
    /// Watts, over the 1 Hz series (zeros included).
    public var averagePower: Double?
    public var maxPower: Double?
    /// Watts (Coggan).
    public var normalizedPower: Double?
    /// Normalized power over FTP.
    public var intensityFactor: Double?
    /// Coggan's training stress score (100 = one hour at FTP).
    public var trainingStressScore: Double?
    /// Banister's training impulse.
    public var trimp: Double?
    /// Kilocalories.
    public var calories: Double?
    /// Where ``calories`` comes from.
    public var caloriesSource: CaloriesSource?

    public var splitsPerKilometre: [Split]
    public var splitsPerMile: [Split]
    public var laps: [LapMetrics]
    /// Running only.
    public var bestEfforts: [BestEffort]
    /// Rides only.
    public var powerCurve: [PowerCurvePoint]
    /// Seconds per heart-rate zone, when zones are known and heart rate was recorded.
    public var heartRateZones: [ZoneTime]?
    /// Seconds per power zone, when zones are known and power was recorded.
    public var powerZones: [ZoneTime]?

    public init(sport: Sport) {
        self.metricSetVersion = MetricRegistry.metricSetVersion
        self.sport = sport
        self.splitsPerKilometre = []
        self.splitsPerMile = []
        self.laps = []
        self.bestEfforts = []
        self.powerCurve = []
    }
}

/// The origin of a calorie figure.
extension ActivityMetrics {
    /// Encodes every member.
    public func encode(to encoder: any Encoder) throws {
        try encode(to: encoder, collections: true)
    }

    /// The metrics without laps, splits, best efforts and power curve, for a response that carries
    /// those beside them.
    public var summary: some Encodable & Sendable { Summary(metrics: self) }

    private struct Summary: Encodable, Sendable {
        var metrics: ActivityMetrics

        func encode(to encoder: any Encoder) throws {
            try metrics.encode(to: encoder, collections: false)
        }
    }

    private func encode(to encoder: any Encoder, collections: Bool) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metricSetVersion, forKey: .metricSetVersion)
        try container.encode(sport, forKey: .sport)
        for (value, key) in [
            (distance, CodingKeys.distance), (elapsedTime, .elapsedTime), (timerTime, .timerTime),
            (movingTime, .movingTime), (elevationGain, .elevationGain), (elevationLoss, .elevationLoss),
            (minAltitude, .minAltitude), (maxAltitude, .maxAltitude), (averageSpeed, .averageSpeed),
            (maxSpeed, .maxSpeed), (averagePace, .averagePace), (averageHeartRate, .averageHeartRate),
            (maxHeartRate, .maxHeartRate), (averageCadence, .averageCadence), (maxCadence, .maxCadence),
            (averagePower, .averagePower), (maxPower, .maxPower), (normalizedPower, .normalizedPower),
            (intensityFactor, .intensityFactor), (trainingStressScore, .trainingStressScore), (trimp, .trimp),
            (calories, .calories),
        ] {
            try container.encodeIfPresent(value, forKey: key)
        }
        try container.encodeIfPresent(caloriesSource, forKey: .caloriesSource)
        if collections {
            try container.encode(splitsPerKilometre, forKey: .splitsPerKilometre)
            try container.encode(splitsPerMile, forKey: .splitsPerMile)
            try container.encode(laps, forKey: .laps)
            try container.encode(bestEfforts, forKey: .bestEfforts)
            try container.encode(powerCurve, forKey: .powerCurve)
        }
        try container.encodeIfPresent(heartRateZones, forKey: .heartRateZones)
        try container.encodeIfPresent(powerZones, forKey: .powerZones)
    }
}

public enum CaloriesSource: String, Sendable, Equatable, Codable {
    /// The device's own total.
    case device
    /// Keytel et al. 2005 from heart rate, weight, age and sex.
    case heartRate = "heart_rate"
    /// Compendium MET value × weight × moving hours.
    case met
}

/// One split of a fixed distance (the last one may be shorter).
public struct Split: Sendable, Equatable, Codable {
    /// 1-based.
    public var index: Int
    /// Metres (the split length, or the remainder for the last split).
    public var distance: Double
    /// Seconds, pauses included.
    public var elapsedTime: Double
    /// Seconds.
    public var movingTime: Double
    /// Metres, end minus start of the smoothed profile.
    public var elevationDelta: Double?
    public var averageHeartRate: Double?
    /// Metres per second over moving time.
    public var averageSpeed: Double?
}

/// A recorded lap with its recomputed statistics.
public struct LapMetrics: Sendable, Equatable, Codable {
    /// 1-based.
    public var index: Int
    /// Seconds from the start of the activity.
    public var startOffset: Double
    /// Seconds.
    public var elapsedTime: Double
    /// Seconds.
    public var movingTime: Double
    /// Metres (the device's lap distance when present).
    public var distance: Double?
    /// Metres.
    public var elevationGain: Double?
    /// Metres.
    public var elevationLoss: Double?
    public var averageHeartRate: Double?
    public var maxHeartRate: Double?
    /// Watts.
    public var averagePower: Double?
    /// Metres per second over moving time.
    public var averageSpeed: Double?
    public var averageCadence: Double?
    /// Kilocalories, from the device.
    public var calories: Double?
    public var trigger: String?
}

/// The fastest time over a standard distance within the activity.
public struct BestEffort: Sendable, Equatable, Codable {
    /// Metres.
    public var distance: Double
    /// Seconds (elapsed, as Strava and most watches count them).
    public var elapsedTime: Double
    /// Seconds from the start of the activity.
    public var startOffset: Double
}

/// The best average power sustained for a duration.
public struct PowerCurvePoint: Sendable, Equatable, Codable {
    /// Seconds.
    public var duration: Int
    /// Watts.
    public var power: Double
}

/// Time spent in one zone.
public struct ZoneTime: Sendable, Equatable, Codable {
    /// 1-based zone number.
    public var zone: Int
    /// Lower bound of the zone (bpm or W); the first zone also holds everything below it.
    public var lowerBound: Double
    /// Seconds.
    public var time: Double
}
