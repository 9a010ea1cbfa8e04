import Foundation
import Testing

@testable import ActivityFiles

/// A decode whose task is cancelled (an upload found to be a duplicate while its file decodes)
/// stops with `.cancelled` instead of reading the rest of the file.
@Suite("Cancelled decoding")
struct DecodeCancellationTests {
    static let track: Track = {
        var track = Track(format: .manual)
        let start = Date(timeIntervalSince1970: 1_714_545_000)
        track.startTime = start
        track.points = (0..<20_000).map { second in
            var point = TrackPoint(time: start.addingTimeInterval(Double(second)))
            point.latitude = 47.3 + Double(second) * 0.000_02
            point.longitude = 8.5 + Double(second) * 0.000_01
            point.heartRate = Double(120 + second % 60)
            return point
        }
        return track
    }()

    static let files: [(String, [UInt8], @Sendable ([UInt8]) throws(ActivityFileError) -> Track)] = [
        ("GPX", GPXEncoder().encode(track), { bytes throws(ActivityFileError) in try GPXDecoder().decode(bytes) }),
        (
            "GPX on one thread", GPXEncoder().encode(track),
            { bytes throws(ActivityFileError) in try GPXDecoder(parallelFrom: .max).decode(bytes) }
        ),
        ("TCX", TCXEncoder().encode(track), { bytes throws(ActivityFileError) in try TCXDecoder().decode(bytes) }),
        (
            "FIT", FITEncoder.activity(track),
            { bytes throws(ActivityFileError) in try FITDecoder().decode(bytes) }
        ),
    ]

    /// The decode's outcome in a child task of a group cancelled before it starts.
    static func decodeCancelled(_ index: Int) async -> Result<Int, ActivityFileError> {
        await withTaskGroup(of: Result<Int, ActivityFileError>.self) { group in
            group.cancelAll()
            group.addTask {
                let (_, bytes, decode) = files[index]
                return Result { () throws(ActivityFileError) in try decode(bytes).points.count }
            }
            return await group.next()!
        }
    }

    @Test("a cancelled decode stops with .cancelled; the same file decodes whole otherwise", arguments: 0..<4)
    func cancelled(index: Int) async throws {
        let (name, bytes, decode) = Self.files[index]
        #expect(try decode(bytes).points.count == 20_000, "\(name)")
        let outcome = await Self.decodeCancelled(index)
        #expect(outcome == .failure(ActivityFileError.cancelled), "\(name)")
    }
}
