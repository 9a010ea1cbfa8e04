/// What metrics need to know about the athlete. Every field is optional; ``resolved`` documents the defaults.
public struct AthleteSettings: Sendable, Equatable, Codable {
    public enum Sex: String, Sendable, Equatable, Codable {
        case male, female
    }

    /// Kilograms.
    public var weight: Double?
    /// Years.
    public var age: Double?
    public var sex: Sex?
    /// Beats per minute.
    public var maxHeartRate: Double?
    /// Beats per minute.
    public var restingHeartRate: Double?
    /// Lactate-threshold heart rate, beats per minute (stored for future hrTSS; no metric uses it yet).
    public var thresholdHeartRate: Double?
    /// Functional threshold power, watts.
    public var functionalThresholdPower: Double?
    /// Lower bound (bpm) of each heart-rate zone, ascending; time below the first bound counts in the first zone.
    public var heartRateZones: [Double]?
    /// Lower bound (W) of each power zone, ascending; time below the first bound counts in the first zone.
    public var powerZones: [Double]?

    public init(
        weight: Double? = nil, age: Double? = nil, sex: Sex? = nil, maxHeartRate: Double? = nil,
        restingHeartRate: Double? = nil, thresholdHeartRate: Double? = nil, functionalThresholdPower: Double? = nil,
        heartRateZones: [Double]? = nil, powerZones: [Double]? = nil
    ) {
        self.weight = weight
        self.age = age
        self.sex = sex
        self.maxHeartRate = maxHeartRate
        self.restingHeartRate = restingHeartRate
        self.thresholdHeartRate = thresholdHeartRate
        self.functionalThresholdPower = functionalThresholdPower
        self.heartRateZones = heartRateZones
        self.powerZones = powerZones
    }

    /// Resting heart rate assumed when none is set: 60 bpm, the conventional adult value (the lower bound of the
    /// AHA's 60–100 bpm normal range).
    public static let defaultRestingHeartRate = 60.0

    /// The settings with derived defaults filled in:
    /// - maximum heart rate: 208 − 0.7 × age (Tanaka, Monahan and Seals, "Age-predicted maximal heart rate
    ///   revisited", J. Am. Coll. Cardiol. 37(1), 2001) when the age is known;
    /// - resting heart rate: ``defaultRestingHeartRate``;
    /// - heart-rate zones: five zones starting at 50, 60, 70, 80 and 90 % of maximum heart rate (S. Edwards,
    ///   "The Heart Rate Monitor Book", 1993; the default of most watches) when the maximum is known;
    /// - power zones: Coggan's seven levels starting at 0, 56, 76, 91, 106, 121 and 151 % of FTP (H. Allen and
    ///   A. Coggan, "Training and Racing with a Power Meter", 2nd ed., 2010) when FTP is known.
    public var resolved: AthleteSettings {
        var settings = self
        if settings.maxHeartRate == nil, let age, age > 0 { settings.maxHeartRate = 208 - 0.7 * age }
        if settings.restingHeartRate == nil { settings.restingHeartRate = Self.defaultRestingHeartRate }
        if settings.heartRateZones == nil, let max = settings.maxHeartRate, max > 0 {
            settings.heartRateZones = [0.5, 0.6, 0.7, 0.8, 0.9].map { $0 * max }
        }
        if settings.powerZones == nil, let ftp = functionalThresholdPower, ftp > 0 {
            settings.powerZones = [0, 0.56, 0.76, 0.91, 1.06, 1.21, 1.51].map { $0 * ftp }
        }
        return settings
    }
}
