import Foundation
import Geo
import Testing

/// Reference lines on WGS 84, solved with GeographicLib (C. F. F. Karney, "Algorithms for geodesics",
/// J. Geodesy 87, 2013), accurate to nanometres; Flinders Peak → Buninyong is Geoscience Australia's
/// published Vincenty example (54 972.271 m, 306°52′05.37″).
struct GeodesicLine: Sendable, CustomTestStringConvertible {
    var start: Coordinate
    var end: Coordinate
    var distance: Double
    var initialBearing: Double
    var finalBearing: Double
    var testDescription: String { "\(start.latitude),\(start.longitude) → \(end.latitude),\(end.longitude)" }

    init(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double, _ s: Double, _ azi1: Double, _ azi2: Double) {
        start = Coordinate(latitude: lat1, longitude: lon1)
        end = Coordinate(latitude: lat2, longitude: lon2)
        distance = s
        initialBearing = azi1
        finalBearing = azi2
    }
}

let referenceLines: [GeodesicLine] = [
    GeodesicLine(
        -(37 + 57 / 60 + 3.72030 / 3600), 144 + 25 / 60 + 29.52440 / 3600,
        -(37 + 39 / 60 + 10.15610 / 3600), 143 + 55 / 60 + 35.38390 / 3600,
        54_972.2711, 306.868159, 307.173631),
    GeodesicLine(0, 0, 0, 1, 111_319.4908, 90, 90),
    GeodesicLine(0, 0, 90, 0, 10_001_965.7293, 0, 0),
    GeodesicLine(0, 0, 0.5, 179.5, 19_936_288.5790, 25.671873, 154.327085),
    GeodesicLine(40.64, -73.78, 1.36, 103.99, 15_347_512.9405, 3.305773, 177.487840),
    GeodesicLine(51.5, 0, 38.8977, -77.0365, 5_922_279.6411, 288.577868, 229.353874),
    GeodesicLine(50.06632, -5.71475, 58.64402, -3.07009, 969_954.1663, 9.141877, 11.297220),
]

@Suite("Geodesic distances on WGS 84")
struct GeodesicTests {
    @Test("Vincenty matches reference geodesics to a millimetre and bearings to 1e-5°", arguments: referenceLines)
    func vincentyMatchesReference(line: GeodesicLine) throws {
        let solution = Geodesic.inverse(from: line.start, to: line.end)
        #expect(solution.converged)
        #expect(abs(solution.distance - line.distance) < 0.001)
        let initial = try #require(solution.initialBearing)
        let final = try #require(solution.finalBearing)
        #expect(abs(initial - line.initialBearing) < 1e-5)
        #expect(abs(final - line.finalBearing) < 1e-5)
    }

    @Test("distance is symmetric", arguments: referenceLines)
    func distanceIsSymmetric(line: GeodesicLine) {
        let forward = Geodesic.distance(from: line.start, to: line.end)
        let backward = Geodesic.distance(from: line.end, to: line.start)
        #expect(abs(forward - backward) < 1e-6)
    }

    @Test("near-antipodal points fall back to the sphere within 0.5 %")
    func nearAntipodalFallsBack() {
        // Vincenty does not converge here; GeographicLib gives 19 944 127.4208 m.
        let solution = Geodesic.inverse(
            from: Coordinate(latitude: 0, longitude: 0), to: Coordinate(latitude: 0.5, longitude: 179.7))
        #expect(!solution.converged)
        #expect(solution.distance.isFinite)
        #expect(abs(solution.distance - 19_944_127.4208) / 19_944_127.4208 < 0.005)
    }

    @Test("coincident points are zero metres apart with no bearing")
    func coincidentPoints() {
        let point = Coordinate(latitude: 47.3769, longitude: 8.5417)
        let solution = Geodesic.inverse(from: point, to: point)
        #expect(solution.distance == 0)
        #expect(solution.initialBearing == nil)
        #expect(Geodesic.bearing(from: point, to: point) == nil)
    }

    @Test(
        "the local approximation agrees with Vincenty to 1 ppm over track-point hops",
        arguments: [0.0, 45.0, 70.0, -33.9], [1.0, 10.0, 250.0, 1_000.0])
    func localDistanceAgreesWithVincenty(latitude: Double, metres: Double) {
        let start = Coordinate(latitude: latitude, longitude: 8.5)
        // A hop to the north-east of roughly `metres`.
        let step = metres / 111_000 / 2.squareRoot()
        let end = Coordinate(latitude: latitude + step, longitude: 8.5 + step / cos(latitude * .pi / 180))
        let exact = Geodesic.distance(from: start, to: end)
        let local = Geodesic.localDistance(from: start, to: end)
        // Vincenty itself stops iterating at 1e-12 rad, a few micrometres.
        #expect(abs(local - exact) < exact * 1e-6 + 1e-5)
        #expect(abs(Geodesic.trackDistance(from: start, to: end) - exact) < exact * 1e-6 + 1e-5)
    }

    @Test("haversine stays within 0.5 % of the ellipsoid", arguments: referenceLines)
    func haversineIsClose(line: GeodesicLine) {
        let haversine = Geodesic.haversineDistance(from: line.start, to: line.end)
        #expect(abs(haversine - line.distance) / line.distance < 0.005)
    }

    @Test(
        "spherical bearing points the right way",
        arguments: [(1.0, 0.0, 0.0), (0.0, 1.0, 90.0), (-1.0, 0.0, 180.0), (0.0, -1.0, 270.0)])
    func bearingCardinalDirections(dLat: Double, dLon: Double, expected: Double) throws {
        let bearing = try #require(
            Geodesic.bearing(
                from: Coordinate(latitude: 0, longitude: 0), to: Coordinate(latitude: dLat, longitude: dLon)))
        #expect(abs(bearing - expected) < 1e-9)
    }
}
