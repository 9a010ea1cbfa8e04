import ActivityFiles
import Analytics
import Foundation
import Geo
import HTTPAPI
import Persistence

/// An activity as one viewer may see it: the owner sees everything; anyone else sees no points
/// inside the owner's privacy zones, and route, start and end are cut accordingly.
public struct ActivityView: Sendable {
    public var activity: Activity
    public var metrics: ActivityMetrics?
    /// The points the viewer may see, in time order.
    public var points: [TrackPoint]
    public var isOwner: Bool
}

/// The read side of Activities: visibility checks, privacy zones, pages, streams and exports.
public struct ActivityQueries: Sendable {
    let database: any Database
    let store: any ActivityStore
    let files: any FileStore

    public init(database: any Database, store: any ActivityStore, files: any FileStore) {
        self.database = database
        self.store = store
        self.files = files
    }

    /// Which visibilities `viewer` may see of `owner`'s activities. Followers-only activities are
    /// the owner's alone until the social graph exists.
    static func visibilities(owner: UUID, viewer: Identity) -> Set<ActivityVisibility> {
        owner == viewer.userID ? [.public, .followers, .private] : [.public]
    }

    /// The activity with the points `viewer` may see; `notFound` when they may not see it at all.
    public func view(id: UUID, viewer: Identity) async throws -> ActivityView {
        let (activity, points, zones) = try await database.read { session in
            guard let activity = try await self.store.activity(id: id, in: session),
                Self.visibilities(owner: activity.userID, viewer: viewer).contains(activity.visibility)
            else { throw ActivitiesError(.notFound, "No such activity.") }
            let points = try await self.store.points(activityID: id, from: nil, to: nil, in: session)
            let zones =
                activity.userID == viewer.userID
                ? [] : try await self.store.privacyZones(userID: activity.userID, in: session)
            return (activity, points, zones)
        }
        return ActivityView(
            activity: activity, metrics: Self.metrics(of: activity),
            points: Self.hidingPrivacyZones(points, zones: zones),
            isOwner: activity.userID == viewer.userID)
    }

    /// The owner's view of an activity whose metrics and points are at hand (just imported).
    public static func ownerView(_ activity: Activity, metrics: ActivityMetrics, points: [TrackPoint]) -> ActivityView {
        ActivityView(activity: activity, metrics: metrics, points: points, isOwner: true)
    }

    static func metrics(of activity: Activity) -> ActivityMetrics? {
        try? JSONDecoder().decode(ActivityMetrics.self, from: Data(activity.metricsJSON.utf8))
    }

    /// Removes the points inside any of the zones (all of them, when positions are hidden from the
    /// route, the rest of the samples inside a zone would still reveal where the athlete paused).
    static func hidingPrivacyZones(_ points: [TrackPoint], zones: [PrivacyZone]) -> [TrackPoint] {
        guard !zones.isEmpty else { return points }
        let circles = zones.map(\.circle)
        let positioned = points.indices.filter { points[$0].coordinate != nil }
        let mask = PrivacyMask(coordinates: positioned.map { points[$0].coordinate! }, zones: circles)
        var hidden = Set<Int>()
        for (maskIndex, pointIndex) in positioned.enumerated() where mask.hidden[maskIndex] {
            hidden.insert(pointIndex)
        }
        return points.indices.filter { !hidden.contains($0) }.map { points[$0] }
    }

    /// A page of `owner`'s activities that `viewer` may see.
    public func page(
        owner: UUID, viewer: Identity, sport: String?, after: Date?, before: Date?, cursor: ActivityCursor?, limit: Int
    ) async throws -> [Activity] {
        var query = ActivityQuery(
            userID: owner, visibilities: Self.visibilities(owner: owner, viewer: viewer), limit: limit)
        query.sport = sport
        query.after = after
        query.before = before
        query.cursor = cursor
        let finalQuery = query
        return try await database.read { try await self.store.activities(finalQuery, in: $0) }
    }

    /// The original upload; only its owner may download it.
    public func originalFile(id: UUID, viewer: Identity) async throws -> (bytes: [UInt8], fileName: String) {
        let activity = try await database.read { try await self.store.activity(id: id, in: $0) }
        guard let activity, activity.userID == viewer.userID else {
            throw ActivitiesError(.notFound, "No such activity.")
        }
        guard let hash = activity.source.fileHash, let bytes = try await files.get(hash) else {
            throw ActivitiesError(.notFound, "This activity was not uploaded as a file.")
        }
        return (bytes, activity.source.fileName ?? "\(activity.id).\(activity.source.format)")
    }
}

extension ActivityView {
    /// The visible points as a track, for streams and exports.
    public var track: Track {
        var track = Track(format: .manual)
        track.sport = activity.sport
        track.name = activity.name
        track.startTime = activity.startTime
        track.points = points
        return track
    }

    /// Time-aligned streams of the visible points, downsampled to at most `resolution` samples.
    public func streams(keys: Set<StreamKey>, resolution: Int?) -> [String: JSONValue] {
        let streams = ActivityStreams(track: track, sport: Sport(rawValue: activity.sport))
        let indices = Downsampling.uniform(count: streams.count, to: min(resolution ?? streams.count, streams.count))
        func numbers(_ values: [Double]?) -> JSONValue? {
            values.map { values in .array(indices.map { .number(values[$0]) }) }
        }
        func optionalNumbers(_ values: [Double?]?) -> JSONValue? {
            guard let values, values.contains(where: { $0 != nil }) else { return nil }
            return .array(indices.map { values[$0].map(JSONValue.number) ?? .null })
        }
        var result: [String: JSONValue] = [:]
        for key in keys {
            let value: JSONValue?
            switch key {
            case .time: value = numbers(streams.time)
            case .latlng:
                value =
                    points.contains { $0.coordinate != nil }
                    ? .array(
                        indices.map { index in
                            points[index].coordinate.map { .array([.number($0.latitude), .number($0.longitude)]) }
                                ?? .null
                        }) : nil
            case .distance: value = numbers(streams.distance)
            case .altitude: value = numbers(streams.altitude)
            case .heartrate: value = optionalNumbers(streams.heartRate)
            case .cadence: value = optionalNumbers(streams.cadence)
            case .watts: value = optionalNumbers(streams.power)
            case .velocity: value = numbers(streams.velocity)
            case .grade: value = numbers(streams.grade)
            case .moving: value = .array(indices.map { .bool(streams.moving[$0]) })
            }
            if let value { result[key.rawValue] = value }
        }
        return result
    }
}

/// The streams `GET /activities/{id}/streams?keys=…` can return.
public enum StreamKey: String, Sendable, CaseIterable {
    case time, latlng, distance, altitude, heartrate, cadence, watts, velocity, grade, moving
}
