/// Sums over a set of activities, in SI units.
public struct Totals: Codable, Sendable, Equatable {
    public var activities: Int = 0
    /// Metres.
    public var distance: Double = 0
    /// Seconds.
    public var movingTime: Double = 0
    /// Metres.
    public var elevationGain: Double = 0
    /// Kilocalories.
    public var calories: Double = 0

    public init() {}

    mutating func add(_ other: Totals) {
        activities += other.activities
        distance += other.distance
        movingTime += other.movingTime
        elevationGain += other.elevationGain
        calories += other.calories
    }
}

/// One period (week, month or year) of totals, overall and per sport.
public struct PeriodTotals: Codable, Sendable, Equatable {
    /// First and last day of the period, `YYYY-MM-DD` in the athlete's time zone.
    public var start: String
    public var end: String
    public var totals: Totals
    public var bySport: [String: Totals]
}

/// The periods that make up a progress answer, newest first.
public enum ProgressPeriod: String, Codable, Sendable, CaseIterable {
    case week, month, year
}
