import Foundation
import HTTPAPI
import Hummingbird

/// `GET /api/v1/users/{id}/progress?period=week|month|year&count=N`.
public struct InsightsRoutes: Sendable {
    let progress: ProgressQueries

    public init(progress: ProgressQueries) {
        self.progress = progress
    }

    struct ProgressResponse: Encodable {
        var period: ProgressPeriod
        /// Newest first; the first is the current period.
        var periods: [PeriodTotals]
        /// The current period minus the previous one, per measure.
        var trend: Totals?
    }

    public func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("users/:id/progress") { request, context in
            let identity = try context.requireIdentity()
            let userID = try context.uuidParameter("id")
            let parameters = request.uri.queryParameters
            let period =
                try parameters.get("period").map { raw in
                    guard let period = ProgressPeriod(rawValue: raw) else {
                        throw Problem.validation(pointer: "period", "must be one of week, month, year")
                    }
                    return period
                } ?? .week
            let count =
                try parameters.get("count").map { raw in
                    guard let count = Int(raw), (1...104).contains(count) else {
                        throw Problem.validation(pointer: "count", "must be an integer from 1 to 104")
                    }
                    return count
                } ?? 12
            let periods = try await progress.progress(
                userID: userID, viewerIsOwner: userID == identity.userID, period: period, count: max(count, 2))
            var trend: Totals?
            if periods.count >= 2 {
                let current = periods[0].totals
                let previous = periods[1].totals
                var delta = Totals()
                delta.activities = current.activities - previous.activities
                delta.distance = current.distance - previous.distance
                delta.movingTime = current.movingTime - previous.movingTime
                delta.elevationGain = current.elevationGain - previous.elevationGain
                delta.calories = current.calories - previous.calories
                trend = delta
            }
            return try Response.json(
                ProgressResponse(period: period, periods: Array(periods.prefix(count)), trend: trend))
        }
    }
}
