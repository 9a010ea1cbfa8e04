import Foundation

/// What a goal asks to be measured: a sum over a window of local days.
public struct GoalMeasure: Sendable {
    public enum Quantity: String, Sendable {
        case distance, movingTime, activities, elevationGain
    }

    public var quantity: Quantity
    /// `week`, `month` or `year` for a renewing goal; `nil` with explicit days for a custom one.
    public var period: ProgressPeriod?
    public var startDay: String?
    public var endDay: String?
    public var sport: String?

    public init(quantity: Quantity, period: ProgressPeriod?, startDay: String?, endDay: String?, sport: String?) {
        self.quantity = quantity
        self.period = period
        self.startDay = startDay
        self.endDay = endDay
        self.sport = sport
    }
}

/// How far a goal has come in its current window.
public struct GoalProgress: Codable, Sendable, Equatable {
    public var value: Double
    public var periodStart: String
    public var periodEnd: String
}

extension ProgressQueries {
    /// The progress of one measure for `userID`, in its current (or custom) window.
    public func progress(of measure: GoalMeasure, userID: UUID) async throws -> GoalProgress? {
        let window: (start: String, end: String)
        if let period = measure.period {
            window = try await currentWindow(userID: userID, period: period)
        } else if let start = measure.startDay, let end = measure.endDay {
            window = (start, end)
        } else {
            return nil
        }
        let totals = try await totals(userID: userID, from: window.start, through: window.end, sport: measure.sport)
        let value: Double =
            switch measure.quantity {
            case .distance: totals.distance
            case .movingTime: totals.movingTime
            case .activities: Double(totals.activities)
            case .elevationGain: totals.elevationGain
            }
        return GoalProgress(value: value, periodStart: window.start, periodEnd: window.end)
    }
}
