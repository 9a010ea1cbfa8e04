import Foundation
import Persistence

/// The time zone in which an athlete's weeks and months begin, asked of Accounts through `App`.
public protocol AthleteTimeZones: Sendable {
    func timeZone(userID: UUID) async throws -> String?
}

/// Progress read side: totals per period and per sport, trends, and the sums goals are measured by.
public struct ProgressQueries: Sendable {
    let database: any Database
    let timeZones: any AthleteTimeZones
    let now: @Sendable () -> Date

    public init(
        database: any Database, timeZones: any AthleteTimeZones, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.database = database
        self.timeZones = timeZones
        self.now = now
    }

    /// The last `count` periods of `userID`, newest first; a viewer other than the athlete counts
    /// public activities only.
    public func progress(userID: UUID, viewerIsOwner: Bool, period: ProgressPeriod, count: Int) async throws
        -> [PeriodTotals]
    {
        let calendar = try await calendar(for: userID)
        var windows: [(start: String, end: String)] = []
        var anchor = now()
        for _ in 0..<count {
            let window = Self.window(containing: anchor, period: period, calendar: calendar)
            windows.append(window)
            anchor = calendar.date(byAdding: .day, value: -1, to: Self.date(window.start, calendar: calendar))!
        }
        guard let oldest = windows.last, let newest = windows.first else { return [] }
        let rows = try await dailyRows(
            userID: userID, from: oldest.start, through: newest.end, publicOnly: !viewerIsOwner)
        return windows.map { window in
            var result = PeriodTotals(start: window.start, end: window.end, totals: Totals(), bySport: [:])
            for row in rows where row.day >= window.start && row.day <= window.end {
                result.totals.add(row.totals)
                result.bySport[row.sport, default: Totals()].add(row.totals)
            }
            return result
        }
    }

    /// Totals of `userID` from `start` through `end` (local days), optionally for one sport.
    public func totals(userID: UUID, from start: String, through end: String, sport: String?) async throws -> Totals {
        var totals = Totals()
        for row in try await dailyRows(userID: userID, from: start, through: end, publicOnly: false)
        where sport == nil || row.sport == sport {
            totals.add(row.totals)
        }
        return totals
    }

    /// The current window of a period in the athlete's calendar.
    public func currentWindow(userID: UUID, period: ProgressPeriod) async throws -> (start: String, end: String) {
        Self.window(containing: now(), period: period, calendar: try await calendar(for: userID))
    }

    func calendar(for userID: UUID) async throws -> Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: try await timeZones.timeZone(userID: userID) ?? "UTC") ?? .gmt
        return calendar
    }

    /// ISO weeks (Monday first), calendar months and years.
    static func window(containing date: Date, period: ProgressPeriod, calendar: Calendar) -> (
        start: String, end: String
    ) {
        let component: Calendar.Component =
            switch period {
            case .week: .weekOfYear
            case .month: .month
            case .year: .year
            }
        let interval = calendar.dateInterval(of: component, for: date)!
        let last = calendar.date(byAdding: .day, value: -1, to: interval.end)!
        return (day(interval.start, calendar: calendar), day(last, calendar: calendar))
    }

    static func day(_ date: Date, calendar: Calendar) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    static func date(_ day: String, calendar: Calendar) -> Date {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12))!
    }

    struct DailyRow {
        var day: String
        var sport: String
        var totals: Totals
    }

    func dailyRows(userID: UUID, from start: String, through end: String, publicOnly: Bool) async throws -> [DailyRow] {
        try await database.read { session in
            try await session.query(
                """
                SELECT day, sport, CAST(sum(activities) AS BIGINT) AS activities, sum(distance) AS distance,
                    sum(moving_time) AS moving_time, sum(elevation_gain) AS elevation_gain, sum(calories) AS calories
                FROM daily_totals WHERE user_id = $1 AND day >= $2 AND day <= $3 AND ($4 = 0 OR visibility = 'public')
                GROUP BY day, sport
                """, [.uuid(userID), .text(start), .text(end), .int(publicOnly ? 1 : 0)]
            ).map { row in
                var totals = Totals()
                totals.activities = row.optionalInt("activities") ?? 0
                totals.distance = row.optionalDouble("distance") ?? 0
                totals.movingTime = row.optionalDouble("moving_time") ?? 0
                totals.elevationGain = row.optionalDouble("elevation_gain") ?? 0
                totals.calories = row.optionalDouble("calories") ?? 0
                return DailyRow(day: try row.string("day"), sport: try row.string("sport"), totals: totals)
            }
        }
    }
}
