import Foundation
import Geo
import Testing

@Suite("GeoJSON encoding")
struct GeoJSONTests {
    @Test("a LineString lists [lon, lat] positions")
    func lineString() {
        let json = GeoJSON.lineString([
            Coordinate(latitude: 47.3769, longitude: 8.5417), Coordinate(latitude: -0.0000001, longitude: -122),
        ])
        #expect(json == #"{"type":"LineString","coordinates":[[8.5417,47.3769],[-122,-0.0000001]]}"#)
    }

    @Test("elevations become a third value; missing ones are omitted")
    func elevations() {
        let json = GeoJSON.lineString(
            [Coordinate(latitude: 1, longitude: 2), Coordinate(latitude: 3, longitude: 4)], elevations: [408.25, nil])
        #expect(json == #"{"type":"LineString","coordinates":[[2,1,408.3],[4,3]]}"#)
    }

    @Test("a Feature is valid JSON with sorted, escaped properties")
    func featureIsValidJSON() throws {
        let bytes = GeoJSON.featureBytes(
            [Coordinate(latitude: 46.5, longitude: 7.25)], elevations: [1000],
            properties: ["name": "Morning \"run\"\n", "id": "42"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["type"] as? String == "Feature")
        let properties = try #require(object["properties"] as? [String: String])
        #expect(properties == ["name": "Morning \"run\"\n", "id": "42"])
        let geometry = try #require(object["geometry"] as? [String: Any])
        let coordinates = try #require(geometry["coordinates"] as? [[Double]])
        #expect(coordinates == [[7.25, 46.5, 1000]])
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"{"id":"42","name":"#))
    }

    @Test("invalid coordinates are skipped")
    func skipsInvalid() {
        let json = GeoJSON.lineString([Coordinate(latitude: 95, longitude: 0), Coordinate(latitude: 1, longitude: 1)])
        #expect(json == #"{"type":"LineString","coordinates":[[1,1]]}"#)
    }

    /// `GeoJSON.feature`'s text read back with `JSONDecoder`, its numbers as `Double`s.
    struct FeatureText: Codable {
        struct Geometry: Codable {
            var type: String
            var coordinates: [[Double]]
        }
        var type: String
        var geometry: Geometry
        var properties: [String: String]
    }

    @Test("LineStringFeature encodes to the JSON of the written Feature read back, digit for digit")
    func lineStringFeatureMatchesText() throws {
        var coordinates: [Coordinate] = [Coordinate(latitude: 95, longitude: 0)]
        var elevations: [Double?] = [1]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Double(state >> 11) / Double(1 << 53)
            coordinates.append(Coordinate(latitude: unit * 180 - 90, longitude: 360 * unit.squareRoot() - 180))
            elevations.append(index % 7 == 0 ? nil : index % 11 == 0 ? -0.04 : unit * 9_000 - 500)
        }
        coordinates.append(Coordinate(latitude: -0.00000004, longitude: 1e-8))
        elevations.append(.infinity)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = GeoJSON.feature(coordinates, elevations: elevations)
        let readBack = try JSONDecoder().decode(FeatureText.self, from: Data(text.utf8))
        let direct = try encoder.encode(LineStringFeature(coordinates, elevations: elevations))
        #expect(
            String(decoding: direct, as: UTF8.self) == String(decoding: try encoder.encode(readBack), as: UTF8.self))
        #expect(readBack.geometry.coordinates.count == coordinates.count - 1)
    }
}
