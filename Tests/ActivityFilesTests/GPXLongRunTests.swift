import ActivityFiles
import Foundation
import Testing

/// Generated long 1 Hz runs (ele, time, hr extension), the shape of a long Garmin GPX. Their decode
/// speed is measured by the benchmarks, not here.
@Suite("Long GPX files")
struct GPXPerformanceTests {
    static func run(points: Int) -> [UInt8] {
        var text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <gpx creator="Garmin Connect" version="1.1" xmlns="http://www.topografix.com/GPX/1/1" \
            xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
              <trk><name>Long run</name><type>running</type><trkseg>

            """
        text.reserveCapacity(points * 260)
        let start = 1_714_545_000
        for index in 0..<points {
            let latitude = 47.3 + Double(index) * 0.000_027_123_456_789
            let longitude = 8.5 + Double(index) * 0.000_013_987_654_321
            let date = Date(timeIntervalSince1970: Double(start + index))
            let time = date.formatted(.iso8601)
            text += """
                      <trkpt lat="\(latitude)" lon="\(longitude)">
                        <ele>\(400 + index % 97).\(index % 10)</ele>
                        <time>\(time)</time>
                        <extensions>
                          <ns3:TrackPointExtension>
                            <ns3:hr>\(120 + index % 60)</ns3:hr>
                          </ns3:TrackPointExtension>
                        </extensions>
                      </trkpt>

                """
        }
        text += "    </trkseg></trk>\n</gpx>\n"
        return Array(text.utf8)
    }

    @Test("a long 1 Hz run decodes every point with its values", arguments: [10_000, 50_000])
    func longRun(points: Int) throws {
        let track = try GPXDecoder().decode(Self.run(points: points))
        #expect(track.points.count == points)
        #expect(track.points.last?.heartRate == Double(120 + (points - 1) % 60))
        #expect(track.points.last?.time == Date(timeIntervalSince1970: Double(1_714_545_000 + points - 1)))
    }
}
