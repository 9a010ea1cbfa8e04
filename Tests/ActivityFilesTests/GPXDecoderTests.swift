import ActivityFiles
import Foundation
import Testing

@Suite("GPX decoding")
struct GPXDecoderTests {
    let decoder = GPXDecoder()

    private func expectError(_ code: ActivityFileError.Code, _ bytes: [UInt8], mentioning words: [String] = []) {
        do {
            let track = try decoder.decode(bytes)
            Issue.record("decoded \(track.points.count) points instead of failing with \(code)")
        } catch {
            #expect(error.code == code, "\(error)")
            for word in words { #expect(error.message.contains(word), "\(error.message)") }
        }
    }

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

    @Test("a Strava ride reads power, temperature, heart rate and cadence, and entities in the name")
    func stravaRide() throws {
        let track = try decoder.decode(XMLFixtures.bytes("gpx/strava-ride-power.gpx"))
        #expect(track.points.count == 600)
        #expect(track.name == "Afternoon Ride & Coffee")
        #expect(track.sport == "cycling")
        let first = try #require(track.points.first)
        #expect(first.power != nil && first.temperature == 21 && first.heartRate != nil && first.cadence != nil)
    }

    @Test("tracks and segments are concatenated in time order, whatever their order in the file")
    func multiSegment() throws {
        let track = try decoder.decode(XMLFixtures.bytes("gpx/multi-segment-hike.gpx"))
        #expect(track.points.count == 320)
        #expect(zip(track.points, track.points.dropFirst()).allSatisfy { $0.time < $1.time })
        #expect(track.points.first?.time == XMLFixtures.time("2024-07-20T07:00:00.250Z"))
        #expect(track.points.last?.time == XMLFixtures.time("2024-07-20T13:36:35.500Z"))
        #expect(track.name == "Two Lakes Hike")
        #expect(track.sport == "hiking")
        // TrackPointExtension v2 speed.
        #expect(track.points.allSatisfy { $0.speed == 1.2 && $0.heartRate != nil })
    }

    @Test("GPX 1.0 reads the root name, speed and an ISO-8859-1 encoding")
    func gpx10() throws {
        let track = try decoder.decode(XMLFixtures.bytes("gpx/gpx10-walk.gpx"))
        #expect(track.points.count == 300)
        #expect(track.name == "Evening walk by the Mühle")
        #expect(track.points.allSatisfy { $0.speed != nil && $0.altitude != nil })
        #expect(track.device?.manufacturer == "GPSBabel - http://www.gpsbabel.org")
    }

    static let extensionCases: [(String, Double?, Double?, Double?, Double?)] = [
        (
            "<gpxtpx:TrackPointExtension><gpxtpx:hr>150</gpxtpx:hr><gpxtpx:cad>90</gpxtpx:cad>"
                + "<gpxtpx:atemp>18.5</gpxtpx:atemp></gpxtpx:TrackPointExtension>", 150, 90, 18.5, nil
        ),
        (
            "<ns3:TrackPointExtension xmlns:ns3=\"http://www.garmin.com/xmlschemas/TrackPointExtension/v2\">"
                + "<ns3:hr>151</ns3:hr></ns3:TrackPointExtension><pwr:PowerInWatts xmlns:pwr=\"x\">300</pwr:PowerInWatts>",
            151, nil, nil, 300
        ),
        ("<power>250</power><heartrate>140</heartrate><cadence>85</cadence><temp>20</temp>", 140, 85, 20, 250),
    ]

    @Test(
        "heart rate, cadence, temperature and power are found under any known extension name", arguments: extensionCases
    )
    func extensions(xml: String, heartRate: Double?, cadence: Double?, temperature: Double?, power: Double?) throws {
        let track = try decoder.decode(
            XMLFixtures.gpxTrack([
                "<trkpt lat=\"47\" lon=\"8\"><time>2024-05-01T06:30:00Z</time><extensions>\(xml)</extensions></trkpt>"
            ]))
        let point = try #require(track.points.first)
        #expect(point.heartRate == heartRate && point.cadence == cadence)
        #expect(point.temperature == temperature && point.power == power)
    }

    @Test("the metadata name wins over the track name, which is used when there is none")
    func names() throws {
        let point = "<trkpt lat=\"1\" lon=\"2\"><time>2024-01-01T00:00:00Z</time></trkpt>"
        let both = XMLFixtures.gpx(
            "<metadata><name>Meta</name></metadata><trk><name>Trk</name><type>Trail Running</type><trkseg>\(point)</trkseg></trk>"
        )
        let trackOnly = XMLFixtures.gpx(
            "<metadata><time>2024-01-01T00:00:00Z</time></metadata><trk><name>Trk</name><trkseg>\(point)</trkseg></trk>"
        )
        #expect(try decoder.decode(both).name == "Meta")
        #expect(try decoder.decode(both).sport == "trail_running")
        #expect(try decoder.decode(trackOnly).name == "Trk")
        #expect(try decoder.decode(trackOnly).sport == nil)
    }

    /// Impossible values are dropped field by field; the rest of the point stays.
    @Test(
        "impossible values are dropped per field",
        arguments: [
            ("lat=\"91.3\" lon=\"8\"", "<ele>400</ele>"), ("lat=\"47\" lon=\"-180.5\"", "<ele>400</ele>"),
            ("lat=\"NaN\" lon=\"8\"", "<ele>400</ele>"), ("lat=\"47\"", "<ele>400</ele>"),
            ("lat=\"abc\" lon=\"8\"", "<ele>400</ele>"),
        ])
    func impossiblePositions(attributes: String, body: String) throws {
        let track = try decoder.decode(
            XMLFixtures.gpxTrack(["<trkpt \(attributes)>\(body)<time>2024-01-01T00:00:00Z</time></trkpt>"]))
        let point = try #require(track.points.first)
        #expect(point.latitude == nil && point.longitude == nil)
        #expect(point.altitude == 400)
    }

    @Test(
        "heart rates above 300 or below 0, NaN elevation and negative power are dropped",
        arguments: ["301", "-5", "NaN", ""])
    func impossibleSensorValues(value: String) throws {
        let track = try decoder.decode(
            XMLFixtures.gpxTrack([
                "<trkpt lat=\"47\" lon=\"8\"><ele>\(value)</ele><time>2024-01-01T00:00:00Z</time><extensions><hr>\(value)</hr><power>-\(value)</power><cad>90</cad></extensions></trkpt>"
            ]))
        let point = try #require(track.points.first)
        #expect(point.heartRate == nil && point.power == nil)
        #expect(point.altitude == (Double(value).flatMap { $0.isFinite ? $0 : nil }))
        #expect(point.cadence == 90 && point.latitude == 47)
    }

    @Test("points whose time goes backwards are dropped; equal times are kept")
    func backwardsTime() throws {
        let times = ["00:00:00", "00:00:01", "00:00:00.5", "00:00:02", "00:00:02", "00:00:01", "00:00:03"]
        let track = try decoder.decode(
            XMLFixtures.gpxTrack(times.map { "<trkpt lat=\"1\" lon=\"2\"><time>2024-01-01T\($0)Z</time></trkpt>" }))
        #expect(track.points.map { $0.time.timeIntervalSince1970 - 1_704_067_200 } == [0, 1, 2, 2, 3])
    }

    @Test("points without a time are dropped")
    func timeless() throws {
        let track = try decoder.decode(
            XMLFixtures.gpxTrack([
                "<trkpt lat=\"1\" lon=\"2\"></trkpt>",
                "<trkpt lat=\"1\" lon=\"2\"><time>2024-01-01T00:00:00Z</time></trkpt>",
                "<trkpt lat=\"1\" lon=\"2\"><time>soon</time></trkpt>",
            ]))
        #expect(track.points.count == 1)
    }

    @Test("a route or waypoints without a track is empty")
    func routeOnly() throws {
        expectError(.empty, try XMLFixtures.bytes("gpx/route-only.gpx"), mentioning: ["route"])
        expectError(.empty, XMLFixtures.gpx("<wpt lat=\"1\" lon=\"2\"/>"), mentioning: ["waypoints"])
        expectError(.empty, XMLFixtures.gpx("<trk><trkseg></trkseg></trk>"))
    }

    @Test("a track without times is a planned route, so empty, and the message says why")
    func plannedTrack() {
        expectError(
            .empty, XMLFixtures.gpxTrack(["<trkpt lat=\"1\" lon=\"2\"/>", "<trkpt lat=\"1\" lon=\"3\"/>"]),
            mentioning: ["2 track points", "planned route"])
        expectError(
            .empty, XMLFixtures.gpxTrack(["<trkpt lat=\"1\" lon=\"2\"><time>01/05/2024 06:30</time></trkpt>"]),
            mentioning: ["01/05/2024 06:30", "line"])
    }

    @Test(
        "other formats are the wrong format",
        arguments: [
            ("{\"type\": \"FeatureCollection\"}", ["not XML"]), ("<html><body>Hi</body></html>", ["<html>"]),
            ("<TrainingCenterDatabase/>", ["TCX"]), ("\u{0E}\u{10}.FIT", ["not XML"]),
        ])
    func wrongFormat(text: String, words: [String]) {
        expectError(.wrongFormat, Array(text.utf8), mentioning: words)
    }

    @Test("an empty file is empty")
    func emptyFile() {
        expectError(.empty, [])
        expectError(.empty, Array("  \n".utf8))
    }

    @Test(
        "a file cut off anywhere is truncated or corrupt, never accepted silently",
        arguments: [0.1, 0.33, 0.5, 0.77, 0.999])
    func cutOff(fraction: Double) throws {
        let bytes = try XMLFixtures.bytes("gpx/garmin-run-1hz.gpx")
        let cut = Array(bytes[..<Int(Double(bytes.count) * fraction)])
        do {
            _ = try decoder.decode(cut)
            Issue.record("a file cut at \(cut.count) bytes decoded")
        } catch {
            #expect(error.code == .truncated || error.code == .corrupt, "\(error)")
            #expect(error.message.hasPrefix("GPX: "))
        }
    }

    @Test("mismatched tags are corrupt, with the line")
    func mismatched() {
        expectError(
            .corrupt,
            XMLFixtures.gpxTrack(["<trkpt lat=\"1\" lon=\"2\">\n<time>2024-01-01T00:00:00Z</ele>\n</trkpt>"]),
            mentioning: ["line", "</ele>"])
    }
}
