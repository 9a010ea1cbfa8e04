/// Fastest times over standard running distances.
public enum BestEfforts {
    /// Metres: 400 m, 1 km, 1 mile, 5 km, 10 km, half marathon, marathon.
    public static let distances = [400, 1000, 1609.344, 5000, 10_000, 21_097.5, 42_195]

    /// The fastest elapsed time over each of `distances` no longer than the track.
    ///
    /// Time as a function of distance is piecewise linear between samples, so the fastest window starts or ends
    /// at a sample: two two-pointer sweeps (window ending at each sample with its start interpolated, and
    /// starting at each sample with its end interpolated) find it exactly in O(n) per distance.
    ///
    /// - Parameters:
    ///   - time: seconds, non-decreasing.
    ///   - distance: cumulative metres, non-decreasing, parallel to `time`.
    public static func compute(time: [Double], distance: [Double], distances: [Double] = distances) -> [BestEffort] {
        time.withUnsafeBufferPointer { time in
            distance.withUnsafeBufferPointer { distance in
                distances.compactMap { fastest(over: $0, time: time, distance: distance) }
            }
        }
    }

    /// The fastest window over `target` metres, or nil when the track is shorter (or `target` ≤ 0).
    /// Unchecked buffers: the sweeps below are the hot loops of the metric set.
    private static func fastest(
        over target: Double, time: UnsafeBufferPointer<Double>, distance: UnsafeBufferPointer<Double>
    )
        -> BestEffort?
    {
        let count = min(time.count, distance.count)
        guard count > 1, target > 0, target <= distance[count - 1] - distance[0] else { return nil }
        var bestTime = Double.infinity
        var bestStart = 0.0
        // Windows ending at sample j; i is the last sample with distance ≤ d[j] − target.
        var i = 0
        for j in 1..<count where distance[j] - distance[0] >= target {
            let startDistance = distance[j] - target
            while i + 1 < j && distance[i + 1] <= startDistance { i += 1 }
            let span = distance[i + 1] - distance[i]
            let fraction = span > 0 ? (startDistance - distance[i]) / span : 0
            let start = time[i] + (time[i + 1] - time[i]) * min(1, max(0, fraction))
            if time[j] - start < bestTime {
                bestTime = time[j] - start
                bestStart = start
            }
        }
        // Windows starting at sample i; j is the first sample with distance ≥ d[i] + target.
        var j = 1
        for i in 0..<(count - 1) {
            let endDistance = distance[i] + target
            if j <= i { j = i + 1 }
            while j < count && distance[j] < endDistance { j += 1 }
            guard j < count else { break }
            let span = distance[j] - distance[j - 1]
            let fraction = span > 0 ? (endDistance - distance[j - 1]) / span : 1
            let end = time[j - 1] + (time[j] - time[j - 1]) * min(1, max(0, fraction))
            if end - time[i] < bestTime {
                bestTime = end - time[i]
                bestStart = time[i]
            }
        }
        return bestTime.isFinite ? BestEffort(distance: target, elapsedTime: bestTime, startOffset: bestStart) : nil
    }
}
