import ActivityFiles
import Foundation
import Persistence

/// Which page of a user's activities to read: newest first, optionally by sport and date range.
public struct ActivityQuery: Sendable, Equatable {
    public var userID: UUID
    public var sport: String?
    /// Only activities starting at or after this instant.
    public var after: Date?
    /// Only activities starting before this instant.
    public var before: Date?
    /// Continue after this (start time, id) position of the previous page.
    public var cursor: ActivityCursor?
    /// The visibilities the caller may see.
    public var visibilities: Set<ActivityVisibility>
    public var limit: Int

    public init(userID: UUID, visibilities: Set<ActivityVisibility>, limit: Int) {
        self.userID = userID
        self.visibilities = visibilities
        self.limit = limit
    }
}

/// The position after which the next page starts.
public struct ActivityCursor: Sendable, Equatable {
    public var startTime: Date
    public var id: UUID

    public init(startTime: Date, id: UUID) {
        self.startTime = startTime
        self.id = id
    }
}

/// An activity's points packed for storage (`ActivityStore.encode(_:for:)`): chunks of
/// `PointChunk`'s encoding, and the route geometry on engines that keep one.
public struct EncodedPoints: Sendable {
    struct Chunk {
        var startTime: Date
        var endTime: Date
        var count: Int
        var data: [UInt8]
    }

    var chunks: [Chunk]
    /// The route as WKB (PostgreSQL); nil elsewhere or with fewer than two positions.
    var routeWKB: [UInt8]?
}

extension ActivityStore {
    /// Inserts the activity and its points, encoding them inside the caller's transaction.
    public func insert(_ activity: Activity, points: [TrackPoint], in session: any DatabaseSession) async throws {
        try await insert(activity, points: encode(points, for: session.dialect), in: session)
    }
}

/// Storage of activities, their time-series points and privacy zones.
///
/// Every method runs on the session it is given, so that the service can write an activity, its
/// points and its events in one transaction.
public protocol ActivityStore: Sendable {
    /// Packs points for `insert(_:points:in:)`, CPU work only: done before the transaction that
    /// writes them, it keeps that transaction short.
    func encode(_ points: [TrackPoint], for dialect: SQLDialect) -> EncodedPoints
    /// Inserts the activity and its points (bulk path), and its route geometry where supported.
    func insert(_ activity: Activity, points: EncodedPoints, in session: any DatabaseSession) async throws
    func activity(id: UUID, in session: any DatabaseSession) async throws -> Activity?
    /// An activity of `userID` with this original-file hash or client id, if any.
    func existing(userID: UUID, fileHash: String?, externalID: String?, in session: any DatabaseSession) async throws
        -> Activity?
    func activities(_ query: ActivityQuery, in session: any DatabaseSession) async throws -> [Activity]
    func update(_ activity: Activity, in session: any DatabaseSession) async throws
    /// Deletes the activity and its points; returns how many other activities share its file.
    func delete(_ activity: Activity, in session: any DatabaseSession) async throws -> Int
    /// Points in time order, optionally limited to `[from, to)`.
    func points(activityID: UUID, from: Date?, to: Date?, in session: any DatabaseSession) async throws -> [TrackPoint]

    func insert(_ zone: PrivacyZone, in session: any DatabaseSession) async throws
    func privacyZones(userID: UUID, in session: any DatabaseSession) async throws -> [PrivacyZone]
    func deletePrivacyZone(id: UUID, userID: UUID, in session: any DatabaseSession) async throws -> Bool
}
