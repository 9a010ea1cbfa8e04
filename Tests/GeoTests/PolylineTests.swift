import Geo
import Testing

@Suite("Encoded polylines")
struct PolylineTests {
    /// Google's documented example (developers.google.com/maps/documentation/utilities/polylinealgorithm).
    let googleExample = [
        Coordinate(latitude: 38.5, longitude: -120.2),
        Coordinate(latitude: 40.7, longitude: -120.95),
        Coordinate(latitude: 43.252, longitude: -126.453),
    ]

    @Test("encodes Google's documented example")
    func encodesGoogleExample() {
        #expect(Polyline.encode(googleExample) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@")
    }

    @Test("decodes Google's documented example")
    func decodesGoogleExample() throws {
        let decoded = try Polyline.decode("_p~iF~ps|U_ulLnnqC_mqNvxq`@")
        #expect(decoded == googleExample)
    }

    @Test("encodes single values as documented", arguments: [(-179.9832104, "`~oia@"), (0.0, "?"), (-0.00001, "@")])
    func encodesSingleValue(value: Double, expectedPrefix: String) {
        let encoded = Polyline.encode([Coordinate(latitude: value, longitude: 0)])
        #expect(encoded == expectedPrefix + "?")
    }

    @Test("round-trips at precision 5 and 6 within half a unit", arguments: [5, 6])
    func roundTrips(precision: Int) throws {
        var coordinates: [Coordinate] = []
        for index in 0..<500 {
            let x = Double(index)
            coordinates.append(Coordinate(latitude: -60 + x * 0.2371, longitude: 179.99 - x * 0.7193))
        }
        let decoded = try Polyline.decode(Polyline.encode(coordinates, precision: precision), precision: precision)
        #expect(decoded.count == coordinates.count)
        let unit = precision == 5 ? 1e-5 : 1e-6
        for (a, b) in zip(decoded, coordinates) {
            #expect(abs(a.latitude - b.latitude) <= unit / 2 + 1e-12)
            #expect(abs(a.longitude - b.longitude) <= unit / 2 + 1e-12)
        }
    }

    @Test("an empty polyline is an empty line")
    func emptyPolyline() throws {
        #expect(Polyline.encode([Coordinate]()) == "")
        #expect(try Polyline.decode("").isEmpty)
    }

    @Test("malformed polylines are rejected", arguments: ["_p~iF", "_p~iF~ps|U_", "_p~iF ~ps|U", "\u{7f}?"])
    func rejectsMalformed(text: String) {
        #expect(throws: GeoError.self) { try Polyline.decode(text) }
    }
}
