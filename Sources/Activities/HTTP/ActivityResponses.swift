import ActivityFiles
import Analytics
import Foundation
import Geo
import HTTPAPI

/// An activity in a list: its summary, no metrics detail or route.
struct ActivitySummaryResponse: Encodable {
    var id: UUID
    var userId: UUID
    var type: String
    var subSport: String?
    var name: String
    var description: String?
    var startTime: Date
    var endTime: Date
    var duration: Double
    var movingTime: Double
    var distance: Double
    var calories: Double?
    var elevationGain: Double?
    var elevationLoss: Double?
    var averageSpeed: Double?
    var maxSpeed: Double?
    var averageHeartRate: Double?
    var maxHeartRate: Double?
    var averageCadence: Double?
    var maxCadence: Double?
    var averagePower: Double?
    var maxPower: Double?
    var normalizedPower: Double?
    var visibility: ActivityVisibility
    var source: Source
    var externalId: String?
    var pointCount: Int
    var createdAt: Date
    var updatedAt: Date

    struct Source: Encodable {
        var format: String
        var manufacturer: String?
        var product: String?
        var hasFile: Bool
    }

    init(_ activity: Activity, isOwner: Bool) {
        let summary = activity.summary
        id = activity.id
        userId = activity.userID
        type = activity.sport
        subSport = activity.subSport
        name = activity.name
        description = activity.description
        startTime = activity.startTime
        endTime = activity.endTime
        duration = summary.duration
        movingTime = summary.movingTime
        distance = summary.distance
        calories = summary.calories
        elevationGain = summary.elevationGain
        elevationLoss = summary.elevationLoss
        averageSpeed = summary.averageSpeed
        maxSpeed = summary.maxSpeed
        averageHeartRate = summary.averageHeartRate
        maxHeartRate = summary.maxHeartRate
        averageCadence = summary.averageCadence
        maxCadence = summary.maxCadence
        averagePower = summary.averagePower
        maxPower = summary.maxPower
        normalizedPower = summary.normalizedPower
        visibility = activity.visibility
        source = Source(
            format: activity.source.format, manufacturer: activity.source.manufacturer,
            product: activity.source.product,
            hasFile: isOwner && activity.source.fileHash != nil)
        externalId = isOwner ? activity.externalID : nil
        pointCount = activity.pointCount
        createdAt = activity.createdAt
        updatedAt = activity.updatedAt
    }
}

/// One activity in full: summary, metric set, laps, splits, best efforts and the route as the
/// viewer may see it (GeoJSON and a Douglas–Peucker-simplified encoded polyline).
struct ActivityDetailResponse: Encodable {
    var summary: ActivitySummaryResponse
    var metrics: ActivityMetrics?
    var routeGeoJson: LineStringFeature?
    var polyline: String?
    var startLatLng: [Double]?
    var endLatLng: [Double]?

    init(_ view: ActivityView, tolerance: Double) {
        summary = ActivitySummaryResponse(view.activity, isOwner: view.isOwner)
        metrics = view.metrics
        var coordinates: [Coordinate] = []
        var altitudes: [Double?] = []
        coordinates.reserveCapacity(view.points.count)
        altitudes.reserveCapacity(view.points.count)
        for point in view.points {
            guard let coordinate = point.coordinate else { continue }
            coordinates.append(coordinate)
            altitudes.append(point.altitude)
        }
        if coordinates.count >= 2 {
            let kept = DouglasPeucker.simplify(coordinates, tolerance: tolerance)
            let simplified = kept.map { coordinates[$0] }
            polyline = Polyline.encode(simplified)
            routeGeoJson = LineStringFeature(simplified, elevations: kept.map { altitudes[$0] })
        }
        startLatLng = coordinates.first.map { [$0.latitude, $0.longitude] }
        endLatLng = coordinates.last.map { [$0.latitude, $0.longitude] }
    }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(metrics?.summary, forKey: .metricsSummary)
        try container.encode(metrics?.laps ?? [], forKey: .laps)
        try container.encode(
            Splits(kilometre: metrics?.splitsPerKilometre ?? [], mile: metrics?.splitsPerMile ?? []), forKey: .splits)
        try container.encode(metrics?.bestEfforts ?? [], forKey: .bestEfforts)
        try container.encode(metrics?.powerCurve ?? [], forKey: .powerCurve)
        try container.encodeIfPresent(routeGeoJson, forKey: .routeGeoJson)
        try container.encodeIfPresent(polyline, forKey: .polyline)
        try container.encodeIfPresent(startLatLng, forKey: .startLatLng)
        try container.encodeIfPresent(endLatLng, forKey: .endLatLng)
    }

    enum Keys: String, CodingKey {
        case metricsSummary, laps, splits, bestEfforts, powerCurve, routeGeoJson, polyline, startLatLng, endLatLng
    }

    struct Splits: Encodable {
        var kilometre: [Split]
        var mile: [Split]
    }
}

/// A page of activities and the cursor of the next one.
struct ActivityPage: Encodable {
    var items: [ActivitySummaryResponse]
    var nextCursor: String?
}

/// Cursors are opaque to clients: base64url of "start time in microseconds:id".
enum CursorCoding {
    static func encode(_ cursor: ActivityCursor) -> String {
        let text = "\(Int64((cursor.startTime.timeIntervalSince1970 * 1_000_000).rounded())):\(cursor.id.uuidString)"
        return Base64URL.encode(Data(text.utf8))
    }

    static func decode(_ text: String) -> ActivityCursor? {
        guard text.count <= 100, let data = Base64URL.decode(text) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ":")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            return nil
        }
        return ActivityCursor(startTime: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: id)
    }
}
