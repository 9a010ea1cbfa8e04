import Foundation

/// Keeps a track's samples in time order, as ``Track/points`` promises.
enum TimeOrder {
    /// `points` without those whose time is earlier than the last kept point's (a clock that jumped
    /// back, or overlapping segments). Equal times are kept.
    static func droppingBackwardSteps(_ points: [TrackPoint]) -> [TrackPoint] {
        var index = 1
        while index < points.count, points[index].time >= points[index - 1].time { index += 1 }
        guard index < points.count else { return points }
        var kept = Array(points[..<index])
        kept.reserveCapacity(points.count)
        var last = kept[kept.count - 1].time
        for point in points[index...] where point.time >= last {
            kept.append(point)
            last = point.time
        }
        return kept
    }
}
