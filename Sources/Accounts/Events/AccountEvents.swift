import EventLog
import Foundation

/// A new account was created, by password registration or from an external identity.
public struct UserRegistered: DomainEvent, Equatable {
    public static let eventType = "UserRegistered"
    public static let aggregateType = "user"
    public var userID: UUID
    /// `password` or the OpenID Connect issuer that vouched for the user.
    public var method: String
    public var aggregateID: UUID { userID }
}

/// Profile fields changed; consumers that need the values read the profile.
public struct ProfileUpdated: DomainEvent, Equatable {
    public static let eventType = "ProfileUpdated"
    public static let aggregateType = "user"
    public var userID: UUID
    public var changedFields: [String]
    public var aggregateID: UUID { userID }
}

/// A goal was set.
public struct GoalCreated: DomainEvent, Equatable {
    public static let eventType = "GoalCreated"
    public static let aggregateType = "user"
    public var goal: Goal
    public var aggregateID: UUID { goal.userID }
}

/// A goal's target, period, sport, dates or name changed.
public struct GoalUpdated: DomainEvent, Equatable {
    public static let eventType = "GoalUpdated"
    public static let aggregateType = "user"
    public var goal: Goal
    public var aggregateID: UUID { goal.userID }
}

/// A goal was removed.
public struct GoalDeleted: DomainEvent, Equatable {
    public static let eventType = "GoalDeleted"
    public static let aggregateType = "user"
    public var goalID: UUID
    public var userID: UUID
    public var aggregateID: UUID { userID }
}
