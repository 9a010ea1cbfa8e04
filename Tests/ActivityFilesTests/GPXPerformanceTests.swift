import ActivityFiles
import Foundation
import Testing

/// Decode speed on generated 1 Hz runs (ele, time, hr extension), the shape of a long Garmin GPX.
/// The bound is only asserted in release builds; run with
/// `swift test -c release --filter GPXPerformanceTests` to see the timings.
@Suite("GPX decoding speed")
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

    /// CPU time of this thread, which other processes on a busy machine do not inflate.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    @Test("a long 1 Hz run decodes in well under 50 ms", arguments: [10_000, 50_000])
    func longRun(points: Int) throws {
        let bytes = Self.run(points: points)
        let decoder = GPXDecoder()
        var best = Duration.seconds(1000)
        var bestCPU = Double.infinity
        var track = Track(format: .gpx)
        #if DEBUG
            let runs = 1
        #else
            let runs = 10
        #endif
        for _ in 0..<runs {
            let clock = ContinuousClock()
            let start = clock.now
            let cpuStart = Self.threadCPUSeconds()
            track = try decoder.decode(bytes)
            bestCPU = min(bestCPU, Self.threadCPUSeconds() - cpuStart)
            best = min(best, clock.now - start)
        }
        #expect(track.points.count == points)
        #expect(track.points.last?.heartRate != nil && track.points.last?.altitude != nil)
        let milliseconds = Double(best.components.attoseconds) / 1e15 + Double(best.components.seconds) * 1000
        print(
            "GPX decode: \(points) points, \(bytes.count / 1024) KiB in \(milliseconds) ms wall, "
                + "\(bestCPU * 1000) ms thread CPU (best of \(runs))")
        #if !DEBUG
            // CPU time, so a busy machine does not fail the test; the goal is well under 50 ms.
            #expect(bestCPU * 1000 < Double(points) / 50_000 * 35)
        #endif
    }
}
