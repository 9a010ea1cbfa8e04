/// Choosing which samples of a long stream to keep for display.
public enum Downsampling {
    /// Largest-Triangle-Three-Buckets (S. Steinarsson, "Downsampling Time Series for Visual Representation",
    /// MSc thesis, University of Iceland, 2013): keeps the first and last points and, from each of `count − 2`
    /// equal buckets, the point forming the largest triangle with the previously kept point and the next bucket's
    /// average, preserving peaks and troughs that uniform sampling misses. O(n).
    ///
    /// - Returns: ascending indices into `x`/`y`; all indices when `count` ≥ the number of points.
    public static func largestTriangleThreeBuckets(x: [Double], y: [Double], count: Int) -> [Int] {
        let n = min(x.count, y.count)
        guard count >= 3, count < n else { return count >= n ? Array(0..<n) : uniform(count: n, to: count) }
        var kept = [0]
        kept.reserveCapacity(count)
        let bucketSize = Double(n - 2) / Double(count - 2)
        var previous = 0
        for bucket in 0..<(count - 2) {
            let start = Int(Double(bucket) * bucketSize) + 1
            let end = min(n - 1, Int(Double(bucket + 1) * bucketSize) + 1)
            let nextStart = end
            let nextEnd = min(n, Int(Double(bucket + 2) * bucketSize) + 1)
            var averageX = 0.0
            var averageY = 0.0
            for index in nextStart..<max(nextStart + 1, nextEnd) where index < n {
                averageX += x[index]
                averageY += y[index]
            }
            let nextCount = Double(max(1, min(nextEnd, n) - nextStart))
            averageX /= nextCount
            averageY /= nextCount
            var best = start
            var bestArea = -1.0
            for index in start..<max(start + 1, end) {
                let area = abs(
                    (x[previous] - averageX) * (y[index] - y[previous]) - (x[previous] - x[index])
                        * (averageY - y[previous]))
                if area > bestArea {
                    bestArea = area
                    best = index
                }
            }
            kept.append(best)
            previous = best
        }
        kept.append(n - 1)
        return kept
    }

    /// `target` indices spread evenly over `count` points, first and last included.
    public static func uniform(count: Int, to target: Int) -> [Int] {
        guard target < count else { return Array(0..<count) }
        guard target > 1 else { return target == 1 ? [0] : [] }
        return (0..<target).map { Int((Double($0) * Double(count - 1) / Double(target - 1)).rounded()) }
    }
}
