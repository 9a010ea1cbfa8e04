import Accounts
import Foundation
import Insights

/// Insights asks Accounts for the athlete's time zone.
struct AccountsTimeZones: AthleteTimeZones {
    let accounts: AccountService

    func timeZone(userID: UUID) async throws -> String? {
        try await accounts.user(id: userID)?.timeZone
    }
}

/// Accounts asks Insights how far a goal has come.
struct InsightsGoalProgress: GoalProgressSource {
    let progress: ProgressQueries

    func status(of goal: Goal) async throws -> GoalStatus? {
        let quantity: GoalMeasure.Quantity
        switch goal.type {
        case .distance: quantity = .distance
        case .duration: quantity = .movingTime
        case .activityCount: quantity = .activities
        case .elevation: quantity = .elevationGain
        case .bodyWeight: return nil
        }
        let period: ProgressPeriod? =
            switch goal.period {
            case .week: .week
            case .month: .month
            case .year: .year
            case .custom: nil
            }
        let measure = GoalMeasure(
            quantity: quantity, period: period, startDay: goal.startDate, endDay: goal.endDate,
            sport: goal.sport?.rawValue)
        guard let result = try await progress.progress(of: measure, userID: goal.userID) else { return nil }
        return GoalStatus(
            value: result.value, target: goal.target, periodStart: result.periodStart, periodEnd: result.periodEnd)
    }
}
