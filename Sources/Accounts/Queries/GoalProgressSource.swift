import Foundation

/// How far a goal has come in its current window, in the goal's unit.
public struct GoalStatus: Codable, Sendable, Equatable {
    public var value: Double
    public var target: Double
    /// `value / target`, not capped at 1.
    public var fraction: Double
    /// The window counted, `YYYY-MM-DD` in the athlete's time zone.
    public var periodStart: String
    public var periodEnd: String

    public init(value: Double, target: Double, periodStart: String, periodEnd: String) {
        self.value = value
        self.target = target
        self.fraction = target > 0 ? value / target : 0
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}

/// Measures goals against activity totals; `App` wires it to the Insights read model.
public protocol GoalProgressSource: Sendable {
    /// The goal's progress, or `nil` when it cannot be measured from activities (body weight).
    func status(of goal: Goal) async throws -> GoalStatus?
}
