/// When an athlete counts as moving: Stamina's auto-pause rule, applied to each interval between two samples.
///
/// An interval is *recorded* when the activity timer runs over it (FIT timer stop/start events) and it is no
/// longer than ``maximumGap``; longer gaps are device auto-pause or signal loss, as in GoldenCheetah's
/// "recording gap" handling. A recorded interval is *moving* when:
/// - the track has a distance (device or positions): its speed, Δdistance/Δtime (or the device speed where
///   recorded), is at least ``minimumSpeed`` — below it is GPS drift while standing, not motion;
/// - else, when power or cadence is recorded (indoor rides, treadmill): power or cadence above zero
///   (GoldenCheetah's rule for trainer files);
/// - else (strength, yoga): always.
public struct MovingRule: Sendable, Equatable {
    /// Metres per second.
    public var minimumSpeed: Double
    /// Seconds.
    public var maximumGap: Double

    public init(minimumSpeed: Double, maximumGap: Double = 30) {
        self.minimumSpeed = minimumSpeed
        self.maximumGap = maximumGap
    }

    /// Stamina's thresholds: 0.4 m/s (1.4 km/h) on foot (slow enough for steep power hiking), 0.25 m/s walking
    /// and hiking, 1 m/s (3.6 km/h) on a bike — roughly the speed below which a bike cannot be balanced —,
    /// 0.1 m/s swimming, 0.5 m/s otherwise. Gaps over 30 s are pauses.
    public static func `for`(_ sport: Sport) -> MovingRule {
        switch sport {
        case .running, .trailRunning: MovingRule(minimumSpeed: 0.4)
        case .walking, .hiking: MovingRule(minimumSpeed: 0.25)
        case .cycling, .mountainBiking: MovingRule(minimumSpeed: 1.0)
        case .swimming: MovingRule(minimumSpeed: 0.1)
        case .rowing, .crossCountrySkiing, .alpineSkiing, .strength, .yoga, .other: MovingRule(minimumSpeed: 0.5)
        }
    }
}
