import Foundation
import Geo

/// A completed workout: the blueprint's ActivitySession with its computed summary.
///
/// Scalar metrics are columns (so lists, filters and read models need no JSON); the full metric set
/// (splits, best efforts, power curve, zones) is kept as JSON with its metric-set version.
public struct Activity: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    /// Stamina sport identifier (`running`, `cycling`, …).
    public var sport: String
    public var subSport: String?
    public var name: String
    public var description: String?
    public var startTime: Date
    public var endTime: Date
    /// The athlete's IANA time zone when the activity was recorded; its local day counts for
    /// weekly and monthly totals.
    public var timeZone: String
    public var visibility: ActivityVisibility
    public var summary: ActivitySummary
    public var source: ActivitySource
    /// The client's own id for the activity, unique per user (idempotent uploads).
    public var externalID: String?
    public var pointCount: Int
    /// Bounding box of the route, when it has positions.
    public var bounds: BoundingBox?
    /// The full metric set as JSON, and the version of the formulas that computed it.
    public var metricsJSON: String
    public var metricSetVersion: Int
    public var createdAt: Date
    public var updatedAt: Date

    /// The day the activity started, `YYYY-MM-DD`, in its time zone.
    public var localDate: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        let day = calendar.dateComponents([.year, .month, .day], from: startTime)
        return String(format: "%04d-%02d-%02d", day.year ?? 1970, day.month ?? 1, day.day ?? 1)
    }

    public init(
        id: UUID, userID: UUID, sport: String, subSport: String?, name: String, description: String?, startTime: Date,
        endTime: Date, timeZone: String, visibility: ActivityVisibility, summary: ActivitySummary,
        source: ActivitySource,
        externalID: String?, pointCount: Int, bounds: BoundingBox?, metricsJSON: String, metricSetVersion: Int,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.sport = sport
        self.subSport = subSport
        self.name = name
        self.description = description
        self.startTime = startTime
        self.endTime = endTime
        self.timeZone = timeZone
        self.visibility = visibility
        self.summary = summary
        self.source = source
        self.externalID = externalID
        self.pointCount = pointCount
        self.bounds = bounds
        self.metricsJSON = metricsJSON
        self.metricSetVersion = metricSetVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Who may see an activity.
public enum ActivityVisibility: String, Codable, Sendable, CaseIterable {
    case `public`, followers, `private`
}

/// The headline numbers of an activity, in SI units.
public struct ActivitySummary: Sendable, Equatable, Codable {
    /// Seconds from start to end, pauses included.
    public var duration: Double
    public var movingTime: Double
    /// Metres.
    public var distance: Double
    /// Kilocalories.
    public var calories: Double?
    public var elevationGain: Double?
    public var elevationLoss: Double?
    /// Metres per second.
    public var averageSpeed: Double?
    public var maxSpeed: Double?
    public var averageHeartRate: Double?
    public var maxHeartRate: Double?
    public var averageCadence: Double?
    public var maxCadence: Double?
    /// Watts.
    public var averagePower: Double?
    public var maxPower: Double?
    public var normalizedPower: Double?

    public init(duration: Double, movingTime: Double, distance: Double) {
        self.duration = duration
        self.movingTime = movingTime
        self.distance = distance
    }
}

/// Where an activity came from.
public struct ActivitySource: Sendable, Equatable, Codable {
    /// `fit`, `gpx`, `tcx`, or `manual` for JSON uploads.
    public var format: String
    public var manufacturer: String?
    public var product: String?
    /// SHA-256 (hex) of the original file, which is kept content-addressed; `nil` without a file.
    public var fileHash: String?
    public var fileName: String?

    public init(format: String) {
        self.format = format
    }
}
