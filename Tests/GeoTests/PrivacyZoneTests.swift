import Foundation
import Geo
import Testing

@Suite("Privacy zones")
struct PrivacyZoneTests {
    let home = Coordinate(latitude: 47.3769, longitude: 8.5417)

    /// A point `metres` due east of `home`.
    func east(_ metres: Double) -> Coordinate {
        Coordinate(
            latitude: home.latitude, longitude: home.longitude + metres / (111_194.93 * cos(home.latitude * .pi / 180)))
    }

    @Test(
        "points inside the radius are in the zone, points outside are not",
        arguments: [(150.0, true), (199.0, true), (201.0, false), (5_000.0, false)])
    func circleMembership(distance: Double, inside: Bool) {
        #expect(PrivacyZone(center: home, radius: 200).contains(east(distance)) == inside)
    }

    @Test("a track starting and ending at home hides both ends")
    func hidesBothEnds() {
        // 0…1000 m east and back, every 50 m: indices 0…4 (0–200 m) and 36…40 are within 200 m.
        let out = (0...20).map { east(Double($0) * 50) }
        let track = out + out.dropLast().reversed()
        let mask = PrivacyMask(coordinates: track, zones: [PrivacyZone(center: home, radius: 225)])
        #expect(mask.hiddenIndices == [0, 1, 2, 3, 4, 36, 37, 38, 39, 40])
        #expect(mask.firstVisible == 5)
        #expect(mask.lastVisible == 35)
    }

    @Test("several zones combine")
    func severalZones() {
        let track = (0...10).map { east(Double($0) * 100) }
        let zones = [PrivacyZone(center: east(0), radius: 150), PrivacyZone(center: east(1_000), radius: 50)]
        let mask = PrivacyMask(coordinates: track, zones: zones)
        #expect(mask.hiddenIndices == [0, 1, 10])
        #expect(mask.firstVisible == 2)
        #expect(mask.lastVisible == 9)
    }

    @Test("a track entirely inside a zone has no visible points")
    func allHidden() {
        let mask = PrivacyMask(coordinates: [home, east(10)], zones: [PrivacyZone(center: home, radius: 100)])
        #expect(mask.hidden == [true, true])
        #expect(mask.firstVisible == nil && mask.lastVisible == nil)
    }

    @Test("no zones hide nothing; no points give an empty mask")
    func emptyInputs() {
        let mask = PrivacyMask(coordinates: [home], zones: [])
        #expect(mask.hidden == [false] && mask.firstVisible == 0 && mask.lastVisible == 0)
        let empty = PrivacyMask(coordinates: [], zones: [PrivacyZone(center: home, radius: 100)])
        #expect(empty.hidden.isEmpty && empty.firstVisible == nil)
    }

    @Test("a bounding box holds its points and grows by metres")
    func boundingBox() throws {
        let box = try #require(BoundingBox([home, east(1_000)]))
        #expect(box.contains(east(500)))
        #expect(!box.contains(east(1_100)))
        #expect(box.expanded(by: 200).contains(east(1_100)))
        #expect(BoundingBox([Coordinate]()) == nil)
    }
}
