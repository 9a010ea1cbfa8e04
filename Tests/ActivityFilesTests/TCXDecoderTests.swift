import ActivityFiles
import Foundation
import Testing

@Suite("TCX decoding")
struct TCXDecoderTests {
    let decoder = TCXDecoder()

    private func expectError(_ code: ActivityFileError.Code, _ bytes: [UInt8], mentioning words: [String] = []) {
        do {
            let track = try decoder.decode(bytes)
            Issue.record("decoded \(track.points.count) points instead of failing with \(code)")
        } catch {
            #expect(error.code == code, "\(error)")
            for word in words { #expect(error.message.contains(word), "\(error.message)") }
        }
    }

    @Test("a Garmin run reads two laps, points with all fields and the creator device")
    func garminTwoLaps() throws {
        let track = try decoder.decode(XMLFixtures.bytes("tcx/garmin-run-two-laps.tcx"))
        #expect(track.format == .tcx)
        #expect(track.sport == "running")
        #expect(track.startTime == XMLFixtures.time("2024-03-09T08:00:00.000Z"))
        #expect(track.points.count == 400)
        #expect(track.laps.count == 2)
        let lap = try #require(track.laps.first)
        #expect(lap.startTime == XMLFixtures.time("2024-03-09T08:00:00.000Z"))
        #expect(lap.timerTime == 200 && lap.calories == 48 && lap.trigger == "distance")
        #expect(lap.averageHeartRate != nil && lap.maxHeartRate != nil && lap.distance != nil)
        #expect(track.laps[1].startTime == XMLFixtures.time("2024-03-09T08:03:20.000Z"))
        #expect(track.laps[1].trigger == "manual")
        #expect(
            track.points.allSatisfy {
                $0.latitude != nil && $0.altitude != nil && $0.distance != nil && $0.heartRate != nil
                    && $0.speed != nil && $0.cadence != nil
            })
        #expect(track.device == Device(product: "Forerunner 255", serialNumber: "3442012345", softwareVersion: "19.18"))
    }

    @Test("an indoor ride keeps points without a position and reads power from a default-namespace TPX")
    func indoorRide() throws {
        let track = try decoder.decode(XMLFixtures.bytes("tcx/indoor-ride.tcx"))
        #expect(track.sport == "biking")
        #expect(track.points.count == 300)
        #expect(
            track.points.allSatisfy { $0.latitude == nil && $0.power != nil && $0.cadence != nil && $0.speed != nil })
        #expect(track.name == "Zwift – Watopia Flat & Fast")
        #expect(track.laps.count == 1 && track.laps[0].distance == 2700)
    }

    @Test("a file of courses is empty")
    func courses() throws {
        expectError(.empty, try XMLFixtures.bytes("tcx/course-only.tcx"), mentioning: ["courses"])
        expectError(.empty, XMLFixtures.tcx(""), mentioning: ["no <Activity>"])
        expectError(.empty, XMLFixtures.tcx("<Activity Sport=\"Other\"><Id>2024-01-01T00:00:00Z</Id></Activity>"))
    }

    @Test("laps without track points are still an activity (a manual entry)")
    func lapsOnly() throws {
        let track = try decoder.decode(
            XMLFixtures.tcx(
                "<Activity Sport=\"Running\"><Lap StartTime=\"2024-01-01T10:00:00Z\"><TotalTimeSeconds>1800</TotalTimeSeconds><DistanceMeters>5000</DistanceMeters><Calories>300</Calories></Lap></Activity>"
            ))
        #expect(track.points.isEmpty && track.laps.count == 1 && track.laps[0].distance == 5000)
        #expect(track.startTime == XMLFixtures.time("2024-01-01T10:00:00Z"))
    }

    @Test(
        "impossible values are dropped per field, points going back in time are dropped",
        arguments: [
            (
                "<Position><LatitudeDegrees>95</LatitudeDegrees><LongitudeDegrees>8</LongitudeDegrees></Position><HeartRateBpm><Value>350</Value></HeartRateBpm>",
                true
            ),
            (
                "<Position><LatitudeDegrees>47</LatitudeDegrees><LongitudeDegrees>NaN</LongitudeDegrees></Position><HeartRateBpm><Value>-1</Value></HeartRateBpm>",
                true
            ),
            (
                "<Position><LatitudeDegrees>47</LatitudeDegrees><LongitudeDegrees>8</LongitudeDegrees></Position><HeartRateBpm><Value>120</Value></HeartRateBpm>",
                false
            ),
        ])
    func impossibleValues(body: String, dropped: Bool) throws {
        let point = { (time: String) in
            "<Trackpoint><Time>2024-01-01T10:00:\(time)Z</Time>\(body)<AltitudeMeters>12</AltitudeMeters></Trackpoint>"
        }
        let track = try decoder.decode(
            XMLFixtures.tcx(
                "<Activity Sport=\"Running\"><Lap StartTime=\"2024-01-01T10:00:00Z\"><Track>\(point("00"))\(point("05"))\(point("03"))</Track></Lap></Activity>"
            ))
        #expect(track.points.count == 2)
        #expect(track.points.allSatisfy { $0.altitude == 12 })
        #expect(track.points.allSatisfy { ($0.latitude == nil) == dropped && ($0.heartRate == nil) == dropped })
    }

    @Test("Cadence wins over RunCadence; RunCadence is used without it")
    func cadence() throws {
        let track = try decoder.decode(
            XMLFixtures.tcx(
                """
                <Activity Sport="Running"><Lap StartTime="2024-01-01T10:00:00Z"><Track>
                <Trackpoint><Time>2024-01-01T10:00:00Z</Time><Cadence>90</Cadence><Extensions><ns3:TPX><ns3:RunCadence>80</ns3:RunCadence></ns3:TPX></Extensions></Trackpoint>
                <Trackpoint><Time>2024-01-01T10:00:01Z</Time><Extensions><ns3:TPX><ns3:RunCadence>81</ns3:RunCadence><ns3:Watts>250</ns3:Watts></ns3:TPX></Extensions></Trackpoint>
                </Track></Lap></Activity>
                """))
        #expect(track.points.map(\.cadence) == [90, 81])
        #expect(track.points[1].power == 250)
    }

    @Test(
        "other formats are the wrong format",
        arguments: [("<gpx version=\"1.1\"/>", ["GPX"]), ("not xml at all", ["not XML"]), ("<html/>", ["<html>"])])
    func wrongFormat(text: String, words: [String]) {
        expectError(.wrongFormat, Array(text.utf8), mentioning: words)
    }

    @Test("a file cut off anywhere is truncated or corrupt", arguments: [0.05, 0.4, 0.6, 0.95, 0.9999])
    func cutOff(fraction: Double) throws {
        let bytes = try XMLFixtures.bytes("tcx/garmin-run-two-laps.tcx")
        do {
            _ = try decoder.decode(Array(bytes[..<Int(Double(bytes.count) * fraction)]))
            Issue.record("a cut file decoded")
        } catch {
            #expect(error.code == .truncated || error.code == .corrupt, "\(error)")
            #expect(error.message.hasPrefix("TCX: "))
        }
    }
}
