import ActivityFiles
import Foundation
import Testing

/// What gpxpy read from a fixture (`scripts/gpx-reference.py` writes these files).
struct GPXReference: Decodable {
    struct Segment: Decodable {
        var count: Int
        var firstTime: Double
        var lastTime: Double
        var length2D: Double
        var length3D: Double
    }

    struct Sample: Decodable {
        var time: Double
        var latitude: Double
        var longitude: Double
        var elevation: Double?
        var heartRate: Double?
    }

    var pointCount: Int
    var firstTime: Double?
    var lastTime: Double?
    var name: String?
    var length2D: Double
    var length3D: Double
    var segments: [Segment]
    var samples: [Sample]
}

/// Our decoder against gpxpy on every GPX fixture: same points, times, samples and lengths.
@Suite("GPX decoding agrees with gpxpy")
struct GPXReferenceTests {
    static let fixtures = ["garmin-run-1hz", "strava-ride-power", "multi-segment-hike", "gpx10-walk", "stamina-export"]

    /// gpxpy's `geo.distance` for nearby points (haversine=False): an equirectangular
    /// approximation on a sphere of radius 6,378,137 m, with the elevation difference for 3D.
    static func gpxpyDistance(_ a: TrackPoint, _ b: TrackPoint, threeD: Bool) -> Double {
        let oneDegree = 2 * Double.pi * 6_378_137 / 360
        let coefficient = cos(a.latitude! * .pi / 180)
        let x = a.latitude! - b.latitude!
        let y = (a.longitude! - b.longitude!) * coefficient
        let distance2D = (x * x + y * y).squareRoot() * oneDegree
        guard threeD, let e1 = a.altitude, let e2 = b.altitude, e1 != e2 else { return distance2D }
        return (distance2D * distance2D + (e1 - e2) * (e1 - e2)).squareRoot()
    }

    @Test("point count, time bounds, samples and segment lengths match gpxpy", arguments: fixtures)
    func matchesGPXPy(name: String) throws {
        let reference = try JSONDecoder().decode(
            GPXReference.self, from: Data(XMLFixtures.bytes("gpx/\(name).gpx.reference.json")))
        let track = try GPXDecoder().decode(XMLFixtures.bytes("gpx/\(name).gpx"))

        #expect(track.points.count == reference.pointCount)
        // gpxpy's time bounds are the first and last points in file order; ours are in time order.
        let firstTime = reference.segments.map(\.firstTime).min()
        let lastTime = reference.segments.map(\.lastTime).max()
        #expect(close(track.points.first?.time.timeIntervalSince1970, firstTime, 1e-3))
        #expect(close(track.points.last?.time.timeIntervalSince1970, lastTime, 1e-3))
        if reference.segments.count == 1 {
            #expect(close(track.points.first?.time.timeIntervalSince1970, reference.firstTime, 1e-3))
            #expect(close(track.points.last?.time.timeIntervalSince1970, reference.lastTime, 1e-3))
        }
        #expect(track.name == reference.name)

        let byTime = Dictionary(track.points.map { ($0.time.timeIntervalSince1970, $0) }) { first, _ in first }
        for sample in reference.samples {
            let point = try #require(byTime[sample.time], "no point at \(sample.time)")
            #expect(close(point.latitude, sample.latitude, 1e-9) && close(point.longitude, sample.longitude, 1e-9))
            #expect(close(point.altitude, sample.elevation, 1e-9))
            #expect(close(point.heartRate, sample.heartRate, 1e-9))
        }

        // gpxpy sums lengths within segments, never across the gap between two.
        var total2D = 0.0
        var total3D = 0.0
        for segment in reference.segments {
            let points = track.points.filter {
                $0.time.timeIntervalSince1970 >= segment.firstTime - 1e-6
                    && $0.time.timeIntervalSince1970 <= segment.lastTime + 1e-6
            }
            #expect(points.count == segment.count)
            let length2D = zip(points, points.dropFirst()).reduce(0) {
                $0 + Self.gpxpyDistance($1.0, $1.1, threeD: false)
            }
            let length3D = zip(points, points.dropFirst()).reduce(0) {
                $0 + Self.gpxpyDistance($1.0, $1.1, threeD: true)
            }
            #expect(abs(length2D - segment.length2D) < 1e-6 * max(1, segment.length2D))
            #expect(abs(length3D - segment.length3D) < 1e-6 * max(1, segment.length3D))
            total2D += length2D
            total3D += length3D
        }
        #expect(abs(total2D - reference.length2D) < 1e-6 * max(1, reference.length2D))
        #expect(abs(total3D - reference.length3D) < 1e-6 * max(1, reference.length3D))
    }

    @Test("a route-only file has no points for gpxpy either")
    func routeOnly() throws {
        let reference = try JSONDecoder().decode(
            GPXReference.self, from: Data(XMLFixtures.bytes("gpx/route-only.gpx.reference.json")))
        #expect(reference.pointCount == 0)
        #expect(throws: ActivityFileError.self) { try GPXDecoder().decode(XMLFixtures.bytes("gpx/route-only.gpx")) }
    }
}
