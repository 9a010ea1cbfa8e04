import Geo
import Testing

@Test("coordinates off the globe are invalid", arguments: [(91.0, 0.0), (-90.5, 10.0), (0.0, 180.1), (0.0, -181.0)])
func invalidCoordinates(latitude: Double, longitude: Double) {
    #expect(!Coordinate(latitude: latitude, longitude: longitude).isValid)
    #expect(Coordinate(latitude: 47.37, longitude: 8.54).isValid)
}
