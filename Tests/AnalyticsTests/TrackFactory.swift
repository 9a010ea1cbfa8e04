import ActivityFiles
import Foundation

/// Builds synthetic tracks whose metrics are known by construction.
enum TrackFactory {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    /// One point per second for `seconds` + 1 samples; `configure` fills in each point given its second.
    static func track(
        seconds: Int, sport: String? = "running", subSport: String? = nil,
        configure: (Int, inout TrackPoint) -> Void
    ) -> Track {
        var track = Track(format: .fit)
        track.sport = sport
        track.subSport = subSport
        track.startTime = start
        track.points.reserveCapacity(seconds + 1)
        for second in 0...seconds {
            var point = TrackPoint(time: start.addingTimeInterval(Double(second)))
            configure(second, &point)
            track.points.append(point)
        }
        return track
    }

    /// Constant speed with device distance.
    static func constantSpeed(_ speed: Double, seconds: Int, sport: String = "running") -> Track {
        track(seconds: seconds, sport: sport) { second, point in
            point.distance = speed * Double(second)
        }
    }

    /// A deterministic pseudo-random value in −1…1 (a 64-bit LCG, Knuth MMIX constants), so noisy tests always
    /// see the same noise.
    struct Noise {
        var state: UInt64

        mutating func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }
}
