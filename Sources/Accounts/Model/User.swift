import Foundation

/// A person with an account: the blueprint's User plus preferences and training zones.
public struct User: Sendable, Equatable, Codable {
    public var id: UUID
    /// Lowercased; `nil` only for accounts created from an external identity without an e-mail.
    public var email: String?
    public var name: String
    /// Date of birth as `YYYY-MM-DD`.
    public var dob: String?
    /// Height in metres.
    public var height: Double?
    /// Body weight in kilograms.
    public var weight: Double?
    public var gender: Gender?
    public var unitSystem: UnitSystem
    /// IANA time zone name; periods (weeks, months) are computed in it.
    public var timeZone: String
    /// Visibility given to new activities unless the upload says otherwise.
    public var defaultVisibility: Visibility
    public var zones: TrainingZones
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: UUID, email: String?, name: String, createdAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.unitSystem = .metric
        self.timeZone = "UTC"
        self.defaultVisibility = .followers
        self.zones = TrainingZones()
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

public enum Gender: String, Codable, Sendable, CaseIterable {
    case female, male, nonbinary, unspecified
}

/// How the client should display quantities; the API itself always speaks SI units.
public enum UnitSystem: String, Codable, Sendable, CaseIterable {
    case metric, imperial
}

/// Who may see an activity.
public enum Visibility: String, Codable, Sendable, CaseIterable {
    case `public`, followers, `private`
}

/// The physiological thresholds from which heart-rate and power zones are derived.
public struct TrainingZones: Sendable, Equatable, Codable {
    /// Maximum heart rate, beats per minute.
    public var maxHeartRate: Int?
    /// Resting heart rate, beats per minute.
    public var restingHeartRate: Int?
    /// Lactate-threshold heart rate, beats per minute.
    public var thresholdHeartRate: Int?
    /// Functional threshold power, watts.
    public var functionalThresholdPower: Int?
    /// Threshold running pace expressed as a speed, metres per second.
    public var thresholdSpeed: Double?

    public init() {}
}
