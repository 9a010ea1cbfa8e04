/// Ramer–Douglas–Peucker line simplification (U. Ramer 1972; D. Douglas and T. Peucker, "Algorithms for the
/// reduction of the number of points required to represent a digitized line or its caricature",
/// The Canadian Cartographer 10(2), 1973).
///
/// Iterative with an explicit stack, so million-point tracks cannot overflow the call stack. Distances are
/// measured in metres in a local equirectangular frame centred on the line's bounding box, which is exact
/// enough for tolerances of metres on tracks up to a few hundred kilometres across.
public enum DouglasPeucker {
    /// The indices of the points to keep, ascending; the first and last points are always kept.
    ///
    /// - Parameters:
    ///   - coordinates: the line.
    ///   - tolerance: metres; a point is dropped when it lies within this distance of the simplified segment.
    public static func simplify(_ coordinates: [Coordinate], tolerance: Double) -> [Int] {
        let count = coordinates.count
        guard count > 2 else { return Array(0..<count) }
        guard let box = BoundingBox(coordinates) else { return [0, count - 1] }
        let origin = box.center
        var xs = [Double](repeating: 0, count: count)
        var ys = [Double](repeating: 0, count: count)
        for (index, coordinate) in coordinates.enumerated() {
            let offset = Geodesic.localOffset(from: origin, to: coordinate)
            xs[index] = offset.east
            ys[index] = offset.north
        }
        let toleranceSquared = max(0, tolerance) * max(0, tolerance)
        var keep = [Bool](repeating: false, count: count)
        keep[0] = true
        keep[count - 1] = true
        var stack: [(Int, Int)] = [(0, count - 1)]
        while let (first, last) = stack.popLast() {
            guard last > first + 1 else { continue }
            let ax = xs[first]
            let ay = ys[first]
            let dx = xs[last] - ax
            let dy = ys[last] - ay
            let lengthSquared = dx * dx + dy * dy
            var farthest = -1
            var farthestDistance = -1.0
            for index in (first + 1)..<last {
                let px = xs[index] - ax
                let py = ys[index] - ay
                // Distance to the segment (not the infinite line), so out-and-back spikes are kept.
                var t = lengthSquared > 0 ? (px * dx + py * dy) / lengthSquared : 0
                t = min(1, max(0, t))
                let ex = px - t * dx
                let ey = py - t * dy
                let distance = ex * ex + ey * ey
                if distance > farthestDistance {
                    farthestDistance = distance
                    farthest = index
                }
            }
            if farthestDistance > toleranceSquared {
                keep[farthest] = true
                stack.append((first, farthest))
                stack.append((farthest, last))
            }
        }
        return keep.indices.filter { keep[$0] }
    }

    /// The simplified line itself.
    public static func simplified(_ coordinates: [Coordinate], tolerance: Double) -> [Coordinate] {
        simplify(coordinates, tolerance: tolerance).map { coordinates[$0] }
    }
}
