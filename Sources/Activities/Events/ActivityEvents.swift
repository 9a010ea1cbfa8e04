import EventLog
import Foundation

/// What read models (progress, goals, feed, leaderboards) need to know of an activity.
public struct ActivitySnapshot: Codable, Sendable, Equatable {
    public var activityID: UUID
    public var userID: UUID
    public var sport: String
    public var startTime: Date
    /// The local day of the start, `YYYY-MM-DD`, in the activity's time zone.
    public var localDate: String
    public var visibility: ActivityVisibility
    public var duration: Double
    public var movingTime: Double
    public var distance: Double
    public var elevationGain: Double?
    public var calories: Double?

    public init(_ activity: Activity) {
        activityID = activity.id
        userID = activity.userID
        sport = activity.sport
        startTime = activity.startTime
        localDate = activity.localDate
        visibility = activity.visibility
        duration = activity.summary.duration
        movingTime = activity.summary.movingTime
        distance = activity.summary.distance
        elevationGain = activity.summary.elevationGain
        calories = activity.summary.calories
    }
}

/// A completed activity was stored (uploaded file, JSON session, or finished live session).
public struct ActivityRecorded: DomainEvent, Equatable {
    public static let eventType = "ActivityRecorded"
    public static let aggregateType = "activity"
    public var activity: ActivitySnapshot
    public var aggregateID: UUID { activity.activityID }
}

/// An activity's name, description, sport or visibility changed; `before` is the previous state.
public struct ActivityUpdated: DomainEvent, Equatable {
    public static let eventType = "ActivityUpdated"
    public static let aggregateType = "activity"
    public var before: ActivitySnapshot
    public var after: ActivitySnapshot
    public var changedFields: [String]
    public var aggregateID: UUID { after.activityID }
}

/// An activity and its points were deleted; the snapshot is what it was.
public struct ActivityDeleted: DomainEvent, Equatable {
    public static let eventType = "ActivityDeleted"
    public static let aggregateType = "activity"
    public var activity: ActivitySnapshot
    public var aggregateID: UUID { activity.activityID }
}
