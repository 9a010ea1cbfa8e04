import ActivityFiles
import Foundation
import Testing

/// What gpxpy read from a fixture (`scripts/gpx-reference.py` writes these files).
struct GPXReference: Decodable {
    struct Segment: Decodable {
        var count: Int
        var timedCount: Int
        var firstTime: Double?
        var lastTime: Double?
        var firstLatitude: Double
        var firstLongitude: Double
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
    var timedPointCount: Int
    /// Points left after dropping those that go back in time, as our decoder does.
    var monotonicPointCount: Int
    var name: String?
    var length2D: Double
    var length3D: Double
    var segments: [Segment]
    var samples: [Sample]
}

/// Our decoder against gpxpy on every GPX fixture with a track: same points, times, samples and
/// lengths. gpxpy keeps points without a time or going back in time, which we drop, and keeps file
/// order, where we sort segments by time; the comparisons account for that.
@Suite("GPX decoding agrees with gpxpy")
struct GPXReferenceTests {
    static let fixtures = [
        "garmin-run-1hz", "strava-ride-power", "multi-segment-hike", "gpx10-walk", "stamina-export",
        "gpxpy-cerknicko-jezero", "gpxpy-korita-zbevnica", "gpxpy-Mojstrovka",
    ]

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

    static func reference(_ name: String) throws -> GPXReference {
        try JSONDecoder().decode(GPXReference.self, from: Data(XMLFixtures.bytes("gpx/\(name).gpx.reference.json")))
    }

    @Test("point count, time bounds, samples and lengths match gpxpy", arguments: fixtures)
    func matchesGPXPy(name: String) throws {
        let reference = try Self.reference(name)
        let track = try GPXDecoder().decode(XMLFixtures.bytes("gpx/\(name).gpx"))

        #expect(track.points.count == reference.monotonicPointCount)
        #expect(track.name == reference.name)
        let firstTime = reference.segments.compactMap(\.firstTime).min()
        let lastTime = reference.segments.compactMap(\.lastTime).max()
        #expect(close(track.points.first?.time.timeIntervalSince1970, firstTime, 1e-3))
        #expect(close(track.points.last?.time.timeIntervalSince1970, lastTime, 1e-3))

        let byTime = Dictionary(grouping: track.points) { $0.time.timeIntervalSince1970 }
        for sample in reference.samples {
            let candidates = byTime[sample.time] ?? byTime.first { abs($0.key - sample.time) < 1e-3 }?.value ?? []
            #expect(
                candidates.contains {
                    close($0.latitude, sample.latitude, 1e-9) && close($0.longitude, sample.longitude, 1e-9)
                        && close($0.altitude, sample.elevation, 1e-9) && close($0.heartRate, sample.heartRate, 1e-9)
                }, "no point like \(sample)")
        }

        // Lengths, where gpxpy saw the same points: within segments, never across the gap between two.
        guard reference.monotonicPointCount == reference.pointCount else { return }
        let ordered = reference.segments.sorted { ($0.firstTime ?? 0) < ($1.firstTime ?? 0) }
        var starts = Set(
            ordered.indices.map { index in
                track.points.firstIndex {
                    $0.time.timeIntervalSince1970 == ordered[index].firstTime
                        && $0.latitude == ordered[index].firstLatitude && $0.longitude == ordered[index].firstLongitude
                } ?? -1
            })
        starts.remove(0)
        var total2D = 0.0
        var total3D = 0.0
        for index in track.points.indices.dropFirst() where !starts.contains(index) {
            total2D += Self.gpxpyDistance(track.points[index - 1], track.points[index], threeD: false)
            total3D += Self.gpxpyDistance(track.points[index - 1], track.points[index], threeD: true)
        }
        #expect(abs(total2D - reference.length2D) < 1e-6 * max(1, reference.length2D))
        #expect(abs(total3D - reference.length3D) < 1e-6 * max(1, reference.length3D))
    }

    @Test("files gpxpy finds no track points in are empty for us", arguments: ["route-only", "gpxpy-unicode_with_bom"])
    func noTrack(name: String) throws {
        #expect(try Self.reference(name).pointCount == 0)
        let bytes = try XMLFixtures.bytes("gpx/\(name).gpx")
        do {
            _ = try GPXDecoder().decode(bytes)
            Issue.record("decoded a file without track points")
        } catch {
            #expect(error.code == .empty, "\(error)")
        }
    }
}
