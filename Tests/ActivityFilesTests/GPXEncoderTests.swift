import ActivityFiles
import Foundation
import Testing

@Suite("GPX encoding")
struct GPXEncoderTests {
    /// A track with every field GPX can carry, at awkward values (negative, fractional times).
    static func sampleTrack(points: Int = 120, withPower: Bool = true) -> Track {
        var track = Track(format: .gpx)
        track.name = "Lunch Run <with> \"friends\" & 'co'"
        track.sport = "running"
        let start = Date(timeIntervalSince1970: 1_714_545_000.5)
        track.startTime = start
        for index in 0..<points {
            var point = TrackPoint(time: start.addingTimeInterval(Double(index) + (index % 3 == 0 ? 0.25 : 0)))
            point.latitude = -33.868_82 + Double(index) * 0.000_012_345_67
            point.longitude = 151.209_295 - Double(index) * 0.000_023_456_78
            point.altitude = index % 17 == 0 ? nil : -3.5 + Double(index) * 0.125
            point.heartRate = index % 11 == 0 ? nil : Double(110 + index % 50)
            point.cadence = Double(80 + index % 9)
            point.temperature = index % 5 == 0 ? nil : 21.5
            point.power = withPower ? Double(200 + index % 40) : nil
            track.points.append(point)
        }
        return track
    }

    @Test("encode then decode gives back the track", arguments: [true, false])
    func roundTrip(withPower: Bool) throws {
        let original = Self.sampleTrack(withPower: withPower)
        let decoded = try GPXDecoder().decode(GPXEncoder().encode(original))
        #expect(decoded.name == original.name)
        #expect(decoded.sport == original.sport)
        #expect(decoded.device?.manufacturer == "Stamina")
        #expect(decoded.points.count == original.points.count)
        for (left, right) in zip(decoded.points, original.points) {
            #expect(samePoint(left, right), "\(left) != \(right)")
        }
    }

    @Test("the output is GPX 1.1 with Garmin's TrackPointExtension v1 and PowerExtension")
    func namespaces() throws {
        let text = String(decoding: GPXEncoder().encode(Self.sampleTrack(points: 2)), as: UTF8.self)
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\""))
        #expect(text.contains("xmlns=\"http://www.topografix.com/GPX/1/1\""))
        #expect(text.contains("xmlns:gpxtpx=\"http://www.garmin.com/xmlschemas/TrackPointExtension/v1\""))
        #expect(
            text.contains(
                "<gpxtpx:TrackPointExtension><gpxtpx:atemp>21.5</gpxtpx:atemp><gpxtpx:hr>111</gpxtpx:hr>"
                    + "<gpxtpx:cad>81</gpxtpx:cad></gpxtpx:TrackPointExtension>"))
        #expect(text.contains("<gpxpx:PowerInWatts>200</gpxpx:PowerInWatts>"))
        #expect(text.contains("<time>2024-05-01T06:30:00.500Z</time>"))
        #expect(!text.contains("e-") && !text.contains("e+"), "xsd:decimal has no exponent")
    }

    @Test("points without a position are left out, since a trkpt needs one")
    func indoorPoints() throws {
        var track = Self.sampleTrack(points: 4)
        track.points[1].latitude = nil
        track.points[1].longitude = nil
        let decoded = try GPXDecoder().decode(GPXEncoder().encode(track))
        #expect(decoded.points.count == 3)
    }

    @Test("a fixture survives decode, encode, decode")
    func fixtureRoundTrip() throws {
        let first = try GPXDecoder().decode(XMLFixtures.bytes("gpx/strava-ride-power.gpx"))
        let second = try GPXDecoder().decode(GPXEncoder().encode(first))
        #expect(second.points.count == first.points.count)
        #expect(zip(first.points, second.points).allSatisfy(samePoint))
    }
}

@Suite("GPX and TCX encoding of odd values")
struct GPXEncoderOddValueTests {
    @Test("non-finite and out-of-schema values are left out rather than written")
    func oddValues() throws {
        var track = Track(format: .fit)
        var point = TrackPoint(time: Date(timeIntervalSince1970: 0))
        point.latitude = 10
        point.longitude = 20
        point.altitude = .nan
        point.heartRate = 400
        point.cadence = .infinity
        point.power = -3
        point.temperature = .nan
        track.points = [point, point]
        track.points[1].latitude = .nan
        let gpx = try GPXDecoder().decode(GPXEncoder().encode(track))
        #expect(gpx.points.count == 1)
        #expect(gpx.points[0].altitude == nil && gpx.points[0].heartRate == nil && gpx.points[0].power == nil)
        let tcx = try TCXDecoder().decode(TCXEncoder().encode(track))
        #expect(tcx.points.count == 2 && tcx.points[1].latitude == nil)
        #expect(tcx.points[0].cadence == nil && tcx.points[0].heartRate == nil)
    }
}
