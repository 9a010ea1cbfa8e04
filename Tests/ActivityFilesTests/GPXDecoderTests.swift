import ActivityFiles
import Foundation
import Testing

@Suite("GPX decoding")
struct GPXDecoderTests {
    let decoder = GPXDecoder()

    @Test("a Garmin Connect run decodes every point with elevation, heart rate and cadence")
    func garminRun() throws {
        let track = try decoder.decode(XMLFixtures.bytes("gpx/garmin-run-1hz.gpx"))
        #expect(track.format == .gpx)
        #expect(track.points.count == 600)
        #expect(track.name == "Zürich Morning Run")
        #expect(track.sport == "running")
        #expect(track.device?.manufacturer == "Garmin Connect")
        #expect(track.startTime == XMLFixtures.time("2024-05-01T06:30:00Z"))
        #expect(track.points.allSatisfy { $0.latitude != nil && $0.altitude != nil && $0.heartRate != nil })
        #expect(track.points.allSatisfy { $0.cadence != nil && $0.power == nil })
        #expect(track.points.last?.time == XMLFixtures.time("2024-05-01T06:39:59Z"))
    }
}
