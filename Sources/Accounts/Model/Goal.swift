import Analytics
import Foundation

/// A target the athlete sets: an amount per period (optionally for one sport), or a body weight.
public struct Goal: Sendable, Equatable, Codable {
    public var id: UUID
    public var userID: UUID
    public var type: GoalType
    public var period: GoalPeriod
    public var sport: Sport?
    /// The target in SI units: metres, seconds, a count, metres of climb, or kilograms.
    public var target: Double
    /// First day (`YYYY-MM-DD`, in the user's time zone) of a custom period; optional otherwise.
    public var startDate: String?
    /// Last day of a custom period, or the date by which a body weight should be reached.
    public var endDate: String?
    public var name: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, userID: UUID, type: GoalType, period: GoalPeriod, sport: Sport?, target: Double, startDate: String?,
        endDate: String?, name: String?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.type = type
        self.period = period
        self.sport = sport
        self.target = target
        self.startDate = startDate
        self.endDate = endDate
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, userID = "userId", type, period, sport, target, startDate, endDate, name, createdAt, updatedAt
    }
}

/// What a goal measures.
public enum GoalType: String, Codable, Sendable, CaseIterable {
    case distance, duration, activityCount = "activity_count", elevation, bodyWeight = "body_weight"

    /// Whether progress accumulates from activities (everything but body weight).
    public var isCumulative: Bool { self != .bodyWeight }
}

/// The window over which a cumulative goal counts; it renews each period except `custom`.
public enum GoalPeriod: String, Codable, Sendable, CaseIterable {
    case week, month, year, custom
}
