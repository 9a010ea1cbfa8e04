import Foundation
import Testing

@testable import ActivityFiles

/// A large GPX is read by two threads (see `GPXDecoder`); the outcome must be the one a single
/// reader gets, points and errors alike.
@Suite("GPX read by two threads")
struct GPXTwoThreadTests {
    let alone = GPXDecoder(parallelFrom: .max)
    let together = GPXDecoder(parallelFrom: 0)

    func outcome(_ decoder: GPXDecoder, _ bytes: [UInt8]) -> Result<Track, ActivityFileError> {
        Result { () throws(ActivityFileError) in try decoder.decode(bytes) }
    }

    func expectSameOutcome(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let (single, double) = (outcome(alone, bytes), outcome(together, bytes))
        // One Bool: a failure must not print thousands of points.
        #expect(
            single == double, "single: \(Self.summary(single)), two threads: \(Self.summary(double))",
            sourceLocation: sourceLocation)
    }

    static func summary(_ outcome: Result<Track, ActivityFileError>) -> String {
        switch outcome {
        case .success(let track): "\(track.points.count) points"
        case .failure(let error): "\(error)"
        }
    }

    static let fixtures = [
        "garmin-run-1hz.gpx", "gpx10-walk.gpx", "gpxpy-Mojstrovka.gpx", "gpxpy-cerknicko-jezero.gpx",
        "gpxpy-korita-zbevnica.gpx", "gpxpy-unicode_with_bom.gpx", "multi-segment-hike.gpx", "route-only.gpx",
        "stamina-export.gpx", "strava-ride-power.gpx",
    ]

    @Test("real files decode the same", arguments: fixtures)
    func realFiles(name: String) throws {
        expectSameOutcome(try XMLFixtures.bytes("gpx/\(name)"))
    }

    @Test("a long run decodes the same, and its second half really is read by the other thread")
    func longRun() throws {
        let bytes = GPXPerformanceTests.run(points: 20_000)
        expectSameOutcome(bytes)
        let read = try #require(GPXFragmentRead.start(in: bytes)?.result())
        #expect((9_000..<11_000).contains(read.points.count))
        #expect(read.points.last?.heartRate == Double(120 + 19_999 % 60))
        #expect(Array(bytes[read.end..<read.end + 9]) == Array("</trkseg>".utf8))
    }

    @Test("several segments, points without time and a bad time in either half decode the same")
    func segmentsAndBadTimes() {
        var points: [String] = []
        for index in 0..<4_000 {
            let time =
                index == 100 || index == 3_100
                ? "<time>not a time</time>"
                : index % 700 == 5
                    ? ""
                    : "<time>2024-05-01T06:\(10 + index / 3_600 % 50):\(index % 60 < 10 ? "0" : "")\(index % 60)Z</time>"
            points.append(#"<trkpt lat="47.\#(index)" lon="8.\#(index)"><ele>4\#(index % 90)</ele>\#(time)</trkpt>"#)
            if index == 2_500 { points.append("</trkseg><trkseg>") }
        }
        expectSameOutcome(XMLFixtures.gpxTrack(points))
    }

    @Test("a <trkpt> inside a comment at the middle is not taken for the one the reader meets")
    func splitInsideComment() {
        var points = (0..<2_000).map {
            #"<trkpt lat="47.1" lon="8.1"><time>2024-05-01T06:00:\#($0 % 60 < 10 ? "0" : "")\#($0 % 60)Z</time></trkpt>"#
        }
        let commented = (0..<2_000).map { _ in #"<trkpt lat="1" lon="1"><time>2024-05-01T07:00:00Z</time></trkpt>"# }
        points.insert("<!-- " + commented.joined() + " -->", at: 1_000)
        let bytes = XMLFixtures.gpxTrack(points)
        expectSameOutcome(bytes)
        #expect((try? together.decode(bytes))?.points.contains { $0.latitude == 1 } == false)
    }

    @Test("a file broken after the middle fails with the error a single reader reports")
    func brokenSecondHalf() {
        let bytes = GPXPerformanceTests.run(points: 4_000)
        expectSameOutcome(Array(bytes[..<(bytes.count * 3 / 4)]))
        var corrupt = bytes
        let at = bytes.count * 3 / 4
        corrupt.replaceSubrange(at..<at + 1, with: Array("<trkpt lat=>".utf8))
        expectSameOutcome(corrupt)
        #expect(throws: ActivityFileError.self) { try together.decode(corrupt) }
    }
}
