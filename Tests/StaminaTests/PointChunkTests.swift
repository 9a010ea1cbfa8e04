import Activities
import ActivityFiles
import Foundation
import Persistence
import Testing

/// The binary chunk encoding of stored points: exact, compact and safe on bad input.
@Suite("PointChunk codec")
struct PointChunkTests {
    /// The bits of every value of a point, so that comparisons are exact (`-0.0 == 0.0` is not).
    static func bits(_ point: TrackPoint) -> [UInt64?] {
        [
            point.time.timeIntervalSinceReferenceDate.bitPattern, point.latitude?.bitPattern,
            point.longitude?.bitPattern, point.altitude?.bitPattern, point.distance?.bitPattern,
            point.speed?.bitPattern, point.heartRate?.bitPattern, point.cadence?.bitPattern,
            point.power?.bitPattern, point.temperature?.bitPattern,
        ]
    }

    /// Points with awkward times and values: fractions no decimal or microsecond form keeps,
    /// negative zero, subnormals, extremes; fields present always, never, or now and then.
    static func awkwardPoints(count: Int) -> [TrackPoint] {
        let specials: [Double] = [
            -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .ulpOfOne, 0.1,
            1.0 / 3.0, 47.376_900_000_000_01,
        ]
        return (0..<count).map { index in
            let time = 800_000_000.123_456_789 + Double(index) * 0.999_999_9 + .ulpOfOne * Double(index % 3)
            var point = TrackPoint(time: Date(timeIntervalSinceReferenceDate: time))
            point.latitude = 47.376_9 + Double(index) * 2.7e-5
            point.longitude = index % 7 == 0 ? nil : 8.541_7 + Double(index) * 4e-5
            point.altitude = specials[index % specials.count]
            point.heartRate = index % 2 == 0 ? 140 + Double(index % 30) : nil
            point.power = index == count - 1 ? 250.5 : nil
            return point
        }
    }

    @Test("points round-trip bit for bit; absent values stay absent", arguments: [1, 2, 7, 8, 9, 1_000, 1_024])
    func roundTrip(count: Int) throws {
        let points = Self.awkwardPoints(count: count)
        let decoded = try PointChunk.decode(PointChunk.encode(points))
        #expect(decoded.count == points.count)
        #expect(decoded.map(Self.bits) == points.map(Self.bits))
        #expect(decoded == points)
        #expect(decoded.allSatisfy { $0.speed == nil && $0.cadence == nil && $0.temperature == nil })
    }

    @Test("an empty chunk is a header and nine empty fields")
    func empty() throws {
        let bytes = PointChunk.encode([TrackPoint]())
        #expect(bytes.count == 5 + 9)
        #expect(try PointChunk.decode(bytes).isEmpty)
    }

    @Test("a single point with only a time takes its 8 bytes plus the header and presence bytes")
    func singlePoint() throws {
        let point = TrackPoint(time: Date(timeIntervalSince1970: 1_790_000_000.5))
        let bytes = PointChunk.encode([point])
        #expect(bytes.count == 5 + 8 + 9)
        #expect(try PointChunk.decode(bytes) == [point])
    }

    @Test("a field every point has is stored without a bitmap, a sparse one with one")
    func compactness() {
        var points = (0..<1_024).map { TrackPoint(time: Date(timeIntervalSince1970: Double($0))) }
        for index in points.indices { points[index].heartRate = 150 }
        #expect(PointChunk.encode(points).count == 5 + 9 + 1_024 * 8 * 2)
        points[3].heartRate = nil
        #expect(PointChunk.encode(points).count == 5 + 9 + 1_024 * 8 + 128 + 1_023 * 8)
    }

    @Test("every truncation of a chunk is refused with a decoding error, never a crash")
    func truncated() {
        let bytes = PointChunk.encode(Self.awkwardPoints(count: 20))
        for length in 0..<bytes.count {
            #expect(throws: DatabaseError.self) { try PointChunk.decode(Array(bytes.prefix(length))) }
        }
    }

    @Test("bad versions, presence bytes, counts and trailing bytes are refused with a clear message")
    func corrupt() throws {
        let bytes = PointChunk.encode(Self.awkwardPoints(count: 20))
        var badVersion = bytes
        badVersion[0] = 9
        var badPresence = bytes
        badPresence[5 + 20 * 8] = 7
        var hugeCount = bytes
        hugeCount.replaceSubrange(1..<5, with: [0xFF, 0xFF, 0xFF, 0xFF])
        var moreCount = bytes
        moreCount[1] = 21
        let trailing = bytes + [0]
        for corrupt in [badVersion, badPresence, hugeCount, moreCount, trailing] {
            let error = #expect(throws: DatabaseError.self) { try PointChunk.decode(corrupt) }
            #expect(error?.code == .decoding)
            #expect(error?.message.contains("corrupt") == true)
        }
    }

    @Test("flipping any single byte never crashes the decoder")
    func bitFlips() {
        let bytes = PointChunk.encode(Self.awkwardPoints(count: 12))
        for index in bytes.indices {
            var flipped = bytes
            flipped[index] ^= 0xA5
            _ = try? PointChunk.decode(flipped)
        }
    }

    @Test("the route is a little-endian WKB LineString of the positioned points")
    func routeWKB() throws {
        var points = (0..<3).map { TrackPoint(time: Date(timeIntervalSince1970: Double($0))) }
        #expect(SQLActivityStore.routeWKB(points) == nil)
        points[0].latitude = 47.5
        points[0].longitude = 8.25
        points[1].latitude = 47.75
        points[2].latitude = 48
        points[2].longitude = -0.5
        let wkb = try #require(SQLActivityStore.routeWKB(points))
        #expect(wkb.count == 1 + 4 + 4 + 2 * 16)
        #expect(Array(wkb[0..<9]) == [1, 2, 0, 0, 0, 2, 0, 0, 0])
        let doubles = stride(from: 9, to: wkb.count, by: 8).map { offset in
            Double(bitPattern: wkb[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) })
        }
        #expect(doubles == [8.25, 47.5, -0.5, 48])
        points[2].longitude = nil
        #expect(SQLActivityStore.routeWKB(points) == nil)
    }
}
