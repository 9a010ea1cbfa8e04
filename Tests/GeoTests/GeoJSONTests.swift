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
}
