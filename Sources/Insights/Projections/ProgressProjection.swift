import Activities
import EventLog
import Foundation
import Logging
import Persistence

/// Daily activity totals per user, local day, sport and visibility: the read model behind
/// progress, trends and goal progress. Built only from activity events, so it can be rebuilt from
/// the log at any time.
public struct ProgressProjection: EventConsumer {
    public let name = "insights.progress"
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public static let migrations: [Migration] = [
        Migration(
            module: "insights", version: 1, name: "daily totals",
            sqlite: [table(uuid: "TEXT", real: "REAL")], postgres: [table(uuid: "UUID", real: "DOUBLE PRECISION")])
    ]

    static func table(uuid: String, real: String) -> String {
        """
        CREATE TABLE daily_totals (
            user_id \(uuid) NOT NULL, day TEXT NOT NULL, sport TEXT NOT NULL, visibility TEXT NOT NULL,
            activities BIGINT NOT NULL, distance \(real) NOT NULL, moving_time \(real) NOT NULL,
            duration \(real) NOT NULL, elevation_gain \(real) NOT NULL, calories \(real) NOT NULL,
            PRIMARY KEY (user_id, day, sport, visibility))
        """
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    public func apply(_ event: EventEnvelope, in session: any DatabaseSession) async throws {
        let payload = Data(event.payload.utf8)
        switch event.eventType {
        case ActivityRecorded.eventType:
            try await add(try Self.decoder.decode(ActivityRecorded.self, from: payload).activity, sign: 1, in: session)
        case ActivityUpdated.eventType:
            let update = try Self.decoder.decode(ActivityUpdated.self, from: payload)
            try await add(update.before, sign: -1, in: session)
            try await add(update.after, sign: 1, in: session)
        case ActivityDeleted.eventType:
            try await add(try Self.decoder.decode(ActivityDeleted.self, from: payload).activity, sign: -1, in: session)
        case "UserRegistered", "ProfileUpdated", "GoalCreated", "GoalUpdated", "GoalDeleted":
            return
        default:
            logger.debug("progress projection ignores an unknown event", metadata: ["type": "\(event.eventType)"])
        }
    }

    public func reset(in session: any DatabaseSession) async throws {
        try await session.query("DELETE FROM daily_totals")
    }

    /// Adds (`sign` 1) or subtracts (−1) one activity's numbers to its day's totals.
    func add(_ activity: ActivitySnapshot, sign: Double, in session: any DatabaseSession) async throws {
        try await session.query(
            """
            INSERT INTO daily_totals (user_id, day, sport, visibility, activities, distance, moving_time, duration,
                elevation_gain, calories)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (user_id, day, sport, visibility) DO UPDATE SET
                activities = daily_totals.activities + excluded.activities,
                distance = daily_totals.distance + excluded.distance,
                moving_time = daily_totals.moving_time + excluded.moving_time,
                duration = daily_totals.duration + excluded.duration,
                elevation_gain = daily_totals.elevation_gain + excluded.elevation_gain,
                calories = daily_totals.calories + excluded.calories
            """,
            [
                .uuid(activity.userID), .text(activity.localDate), .text(activity.sport),
                .text(activity.visibility.rawValue), .integer(Int64(sign)), .real(sign * activity.distance),
                .real(sign * activity.movingTime), .real(sign * activity.duration),
                .real(sign * (activity.elevationGain ?? 0)), .real(sign * (activity.calories ?? 0)),
            ])
        // A day whose last activity went away leaves no row behind.
        try await session.query(
            """
            DELETE FROM daily_totals
            WHERE user_id = $1 AND day = $2 AND sport = $3 AND visibility = $4 AND activities = 0
            """,
            [
                .uuid(activity.userID), .text(activity.localDate), .text(activity.sport),
                .text(activity.visibility.rawValue),
            ])
    }
}
