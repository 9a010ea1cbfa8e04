import ActivityFiles
import Foundation
import Testing

@Suite("TCX encoding")
struct TCXEncoderTests {
    static func sampleTrack(sport: String, indoor: Bool) -> Track {
        var track = Track(format: .fit)
        track.sport = sport
        track.name = "Intervals & <stuff>"
        let start = Date(timeIntervalSince1970: 1_714_545_000)
        track.startTime = start
        track.device = Device(
            manufacturer: "garmin", product: "Edge 540", serialNumber: "3312345678", softwareVersion: "26.10")
        for index in 0..<90 {
            var point = TrackPoint(time: start.addingTimeInterval(Double(index) + 0.5))
            if !indoor {
                point.latitude = 45.5 + Double(index) * 0.000_01
                point.longitude = -73.6 - Double(index) * 0.000_02
                point.altitude = 35 + Double(index % 7) * 0.5
            }
            point.distance = Double(index) * 3.25
            point.speed = 3.25
            point.heartRate = Double(120 + index % 30)
            point.cadence = Double(85 + index % 5)
            point.power = Double(180 + index)
            track.points.append(point)
        }
        var first = Lap(startTime: start)
        first.timerTime = 30
        first.distance = 97.5
        first.calories = 12
        first.averageHeartRate = 130
        first.maxHeartRate = 149
        first.trigger = "distance"
        var second = Lap(startTime: start.addingTimeInterval(30))
        second.timerTime = 60
        second.distance = 195
        second.calories = 25
        second.trigger = "manual"
        track.laps = [first, second]
        return track
    }

    @Test(
        "encode then decode gives back points and laps",
        arguments: [("running", false), ("cycling", false), ("cycling", true), ("rowing", true)])
    func roundTrip(sport: String, indoor: Bool) throws {
        let original = Self.sampleTrack(sport: sport, indoor: indoor)
        let decoded = try TCXDecoder().decode(TCXEncoder().encode(original))
        #expect(decoded.name == original.name)
        #expect(decoded.sport == ["running": "running", "cycling": "biking", "rowing": "other"][sport])
        #expect(decoded.startTime == original.startTime)
        #expect(decoded.points.count == original.points.count)
        for (left, right) in zip(decoded.points, original.points) {
            #expect(samePoint(left, right), "\(left) != \(right)")
        }
        #expect(decoded.laps == original.laps)
        #expect(decoded.device == Device(product: "Edge 540", serialNumber: "3312345678", softwareVersion: "26.10"))
    }

    @Test("a track without laps gets one lap over all its points, with totals filled in")
    func oneLap() throws {
        var track = Self.sampleTrack(sport: "running", indoor: false)
        track.laps = []
        let decoded = try TCXDecoder().decode(TCXEncoder().encode(track))
        #expect(decoded.laps.count == 1)
        #expect(decoded.laps[0].startTime == track.startTime)
        #expect(close(decoded.laps[0].timerTime, 89.5, 1e-3))
        #expect(close(decoded.laps[0].distance, 89 * 3.25, 1e-3))
        #expect(decoded.points.count == track.points.count)
    }

    @Test("the output is TCX v2 with the ActivityExtension v2 and schema-ordered lap fields")
    func structure() {
        let text = String(
            decoding: TCXEncoder().encode(Self.sampleTrack(sport: "cycling", indoor: false)), as: UTF8.self)
        #expect(text.contains("xmlns=\"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2\""))
        #expect(text.contains("xmlns:ns3=\"http://www.garmin.com/xmlschemas/ActivityExtension/v2\""))
        #expect(text.contains("<Activity Sport=\"Biking\">"))
        #expect(
            text.contains(
                "<Extensions><ns3:TPX><ns3:Speed>3.25</ns3:Speed><ns3:Watts>180</ns3:Watts></ns3:TPX></Extensions>"))
        let order = [
            "<TotalTimeSeconds>", "<DistanceMeters>", "<Calories>", "<AverageHeartRateBpm>", "<MaximumHeartRateBpm>",
            "<Intensity>", "<TriggerMethod>", "<Track>",
        ]
        let offsets = order.map { text.range(of: $0)!.lowerBound }
        #expect(offsets == offsets.sorted())
    }

    @Test(
        "a fixture survives decode, encode, decode", arguments: ["tcx/garmin-run-two-laps.tcx", "tcx/indoor-ride.tcx"])
    func fixtureRoundTrip(path: String) throws {
        let first = try TCXDecoder().decode(XMLFixtures.bytes(path))
        let second = try TCXDecoder().decode(TCXEncoder().encode(first))
        #expect(second.points.count == first.points.count)
        #expect(zip(first.points, second.points).allSatisfy(samePoint))
        #expect(second.laps == first.laps)
        #expect(second.name == first.name)
    }
}
