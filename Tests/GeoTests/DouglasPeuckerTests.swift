import Foundation
import Geo
import Testing

@Suite("Douglas–Peucker simplification")
struct DouglasPeuckerTests {
    /// Metres to degrees of latitude, near enough for building shapes.
    static let degreesPerMetre = 1 / 111_195.0

    static func point(north: Double, east: Double) -> Coordinate {
        Coordinate(latitude: 46 + north * degreesPerMetre, longitude: 7 + east * degreesPerMetre / cos(46 * .pi / 180))
    }

    @Test("a straight line with collinear points keeps only its ends")
    func straightLine() {
        let line = (0...100).map { Self.point(north: 0, east: Double($0) * 10) }
        #expect(DouglasPeucker.simplify(line, tolerance: 0.5) == [0, 100])
    }

    @Test("an L keeps its corner", arguments: [1.0, 5.0, 50.0])
    func keepsCorner(tolerance: Double) {
        let leg1 = (0...50).map { Self.point(north: 0, east: Double($0) * 10) }
        let leg2 = (1...50).map { Self.point(north: Double($0) * 10, east: 500) }
        #expect(DouglasPeucker.simplify(leg1 + leg2, tolerance: tolerance) == [0, 50, 100])
    }

    @Test(
        "a tent is kept when higher than the tolerance and dropped when lower", arguments: [(2.0, true), (8.0, false)])
    func bumpAgainstTolerance(tolerance: Double, kept: Bool) {
        // A 5 m high tent over a 1 km line: two straight flanks meeting at the middle.
        let line = (0...100).map { index in
            Self.point(north: 5 * (1 - Double(abs(index - 50)) / 50), east: Double(index) * 10)
        }
        let expected = kept ? [0, 50, 100] : [0, 100]
        #expect(DouglasPeucker.simplify(line, tolerance: tolerance) == expected)
    }

    @Test("an out-and-back keeps its turnaround")
    func outAndBack() {
        let out = (0...50).map { Self.point(north: 0, east: Double($0) * 10) }
        let back = (0..<50).reversed().map { Self.point(north: 0, east: Double($0) * 10) }
        let kept = DouglasPeucker.simplify(out + back, tolerance: 1)
        #expect(kept == [0, 50, 100])
    }

    @Test("every dropped point lies within the tolerance of the simplified line")
    func droppedPointsWithinTolerance() {
        // A sine wave with a 30 m amplitude over 3 km; 100 000 points exercise the iterative stack.
        let line = (0..<100_000).map { index in
            let east = Double(index) * 0.03
            return Self.point(north: 30 * sin(east / 200), east: east)
        }
        let tolerance = 2.0
        let kept = DouglasPeucker.simplify(line, tolerance: tolerance)
        #expect(kept.first == 0 && kept.last == line.count - 1)
        #expect(kept.count < 200)
        // Check a sample of dropped points against their enclosing kept segment.
        for (a, b) in zip(kept, kept.dropFirst()) where b - a > 1 {
            let middle = (a + b) / 2
            let start = Geodesic.localOffset(from: line[a], to: line[middle])
            let end = Geodesic.localOffset(from: line[a], to: line[b])
            let length = (end.north * end.north + end.east * end.east).squareRoot()
            let cross = abs(start.east * end.north - start.north * end.east) / length
            #expect(cross <= tolerance + 0.01)
        }
    }

    @Test("fewer than three points are returned unchanged", arguments: [0, 1, 2])
    func shortLines(count: Int) {
        let line = (0..<count).map { Self.point(north: Double($0), east: 0) }
        #expect(DouglasPeucker.simplify(line, tolerance: 10) == Array(0..<count))
    }
}
