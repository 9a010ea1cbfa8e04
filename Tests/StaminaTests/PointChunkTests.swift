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

    @Test("an empty chunk is a header, an empty raw time column and nine empty fields")
    func empty() throws {
        let bytes = PointChunk.encode([TrackPoint]())
        #expect(bytes == [2, 0, 0, 0, 0, 0] + Array(repeating: 0, count: 9))
        #expect(try PointChunk.decode(bytes).isEmpty)
    }

    @Test("a single point with only a time: its decimal integer as one varint, then nine empty fields")
    func singlePoint() throws {
        let point = TrackPoint(time: Date(timeIntervalSinceReferenceDate: 811_692_800.5))
        let bytes = PointChunk.encode([point])
        // 8,116,928,005 tenths of a second, zigzagged (doubled) and in 7-bit groups: 5 bytes.
        #expect(Array(bytes[5..<7]) == [1, 1])
        #expect(bytes.count == 5 + 2 + 5 + 9)
        #expect(try PointChunk.decode(bytes) == [point])
    }

    /// 1 Hz points as a GPX carries them: whole-second times, 1e-7° positions, 0.1 m altitudes and
    /// whole beats, each parsed from its text.
    static func gpxPoints(count: Int) -> [TrackPoint] {
        (0..<count).map { index in
            var point = TrackPoint(time: Date(timeIntervalSince1970: 1_790_000_000 + Double(index)))
            point.latitude = Double("47.\(3_769_000 + index * 27)")!
            point.longitude = Double("8.\(5_417_000 + index * 41 - index % 5)")!
            point.altitude = Double("\(400 + index % 50).\(index % 10)")!
            point.heartRate = Double(120 + index % 40)
            return point
        }
    }

    @Test("device data takes a byte or two per value: GPX decimals and FIT semicircles, bit for bit")
    func compactness() throws {
        let gpx = Self.gpxPoints(count: 1_024)
        let gpxBytes = PointChunk.encode(gpx)
        // Raw, the same points take 5 + 9 + 1,024 × 8 × 5 bytes (41 kB).
        #expect(gpxBytes.count < 1_024 * 8)
        #expect(try PointChunk.decode(gpxBytes).map(Self.bits) == gpx.map(Self.bits))

        // FIT positions: whole semicircles of 180/2^31 degrees, a binary fraction.
        let fit = (0..<1_024).map { index in
            var point = TrackPoint(time: Date(timeIntervalSince1970: 1_790_000_000 + Double(index)))
            point.latitude = Double(565_000_000 + index * 300) * (180 / 2_147_483_648)
            point.longitude = Double(101_900_000 - index * 450) * (180 / 2_147_483_648)
            point.speed = Double(3_000 + index % 700) / 1_000
            return point
        }
        let fitBytes = PointChunk.encode(fit)
        #expect(fitBytes.count < 1_024 * 8)
        #expect(try PointChunk.decode(fitBytes).map(Self.bits) == fit.map(Self.bits))
    }

    @Test("a column no scale keeps exactly is stored raw; a sparse field gets a bitmap")
    func rawAndSparse() throws {
        var points = (0..<1_024).map { TrackPoint(time: Date(timeIntervalSince1970: Double($0))) }
        // Square roots: no decimal keeps them, and their exponents differ too much for one binary scale.
        for index in points.indices { points[index].power = (Double(index) + 2).squareRoot() * 100 }
        let withPower = PointChunk.encode(points)
        // The times: one varint byte each after the first (5 bytes); the power column raw.
        #expect(withPower.count == 5 + (2 + 5 + 1_023) + 8 + (1 + 1 + 1_024 * 8))
        points[3].power = nil
        let sparse = PointChunk.encode(points)
        #expect(sparse.count == withPower.count + 128 - 8)
        #expect(try PointChunk.decode(sparse).map(Self.bits) == points.map(Self.bits))
    }

    @Test("version 1 chunks, every column raw, are still read")
    func versionOne() throws {
        let points = Self.awkwardPoints(count: 20)
        #expect(try PointChunk.decode(Self.versionOne(points)).map(Self.bits) == points.map(Self.bits))
    }

    /// The layout of version 1: header, raw times, then per field a presence byte, a bitmap when
    /// sparse, and the raw values.
    static func versionOne(_ points: [TrackPoint]) -> [UInt8] {
        func raw(_ value: Double) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        var bytes: [UInt8] = [1] + withUnsafeBytes(of: UInt32(points.count).littleEndian) { Array($0) }
        bytes += points.flatMap { raw($0.time.timeIntervalSinceReferenceDate) }
        for field in 1..<10 {
            let values = points.map { Self.bits($0)[field].map { Double(bitPattern: $0) } }
            let present = values.compactMap { $0 }
            bytes.append(present.isEmpty ? 0 : present.count == points.count ? 1 : 2)
            if !present.isEmpty && present.count < points.count {
                var bitmap = [UInt8](repeating: 0, count: (points.count + 7) / 8)
                for (index, value) in values.enumerated() where value != nil { bitmap[index / 8] |= 1 << (index % 8) }
                bytes += bitmap
            }
            bytes += present.flatMap(raw)
        }
        return bytes
    }

    @Test("every truncation of a chunk is refused with a decoding error, never a crash")
    func truncated() {
        for bytes in [PointChunk.encode(Self.awkwardPoints(count: 20)), PointChunk.encode(Self.gpxPoints(count: 20))] {
            for length in 0..<bytes.count {
                #expect(throws: DatabaseError.self) { try PointChunk.decode(Array(bytes.prefix(length))) }
            }
        }
    }

    @Test("bad versions, presence bytes, encodings, scales, counts and trailing bytes are refused clearly")
    func corrupt() throws {
        // Times only: the nine presence bytes close the chunk.
        let bytes = PointChunk.encode(Self.gpxPoints(count: 20).map { TrackPoint(time: $0.time) })
        #expect(Array(bytes[5..<7]) == [1, 0])
        var badVersion = bytes
        badVersion[0] = 9
        var badPresence = bytes
        badPresence[bytes.count - 9] = 7
        var badEncoding = bytes
        badEncoding[5] = 3
        var badScale = bytes
        badScale[6] = 10
        var hugeCount = bytes
        hugeCount.replaceSubrange(1..<5, with: [0xFF, 0xFF, 0xFF, 0xFF])
        var moreCount = bytes
        moreCount[1] = 21
        let endlessVarint = Array(bytes[0..<7]) + Array(repeating: 0xFF, count: 30)
        let trailing = bytes + [0]
        for corrupt in [badVersion, badPresence, badEncoding, badScale, hugeCount, moreCount, endlessVarint, trailing] {
            let error = #expect(throws: DatabaseError.self) { try PointChunk.decode(corrupt) }
            #expect(error?.code == .decoding)
            #expect(error?.message.contains("corrupt") == true)
        }
    }

    @Test("flipping any single byte never crashes the decoder")
    func bitFlips() {
        let chunks = [
            PointChunk.encode(Self.awkwardPoints(count: 12)), PointChunk.encode(Self.gpxPoints(count: 12)),
            Self.versionOne(Self.awkwardPoints(count: 12)),
        ]
        for bytes in chunks {
            for index in bytes.indices {
                var flipped = bytes
                flipped[index] ^= 0xA5
                _ = try? PointChunk.decode(flipped)
            }
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

    @Test("the stored route drops points within a metre of the line and keeps every corner beyond it")
    func routeIsSimplified() throws {
        // 1,000 points north along a meridian, 0.5 m apart, with a 30 m step east at point 500.
        let points = (0..<1_000).map { index in
            var point = TrackPoint(time: Date(timeIntervalSince1970: Double(index)))
            point.latitude = 47 + Double(index) * 0.5 / 111_195
            point.longitude = 8 + (index >= 500 ? 30 / (111_195 * cos(47 * Double.pi / 180)) : 0)
            return point
        }
        let wkb = try #require(SQLActivityStore.routeWKB(points))
        let doubles = stride(from: 9, to: wkb.count, by: 8).map { offset in
            Double(bitPattern: wkb[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) })
        }
        let kept = stride(from: 0, to: doubles.count, by: 2).map { (longitude: doubles[$0], latitude: doubles[$0 + 1]) }
        #expect(kept.count == 4)
        let expected = [0, 499, 500, 999].map { (longitude: points[$0].longitude!, latitude: points[$0].latitude!) }
        #expect(kept.map(\.latitude) == expected.map(\.latitude))
        #expect(kept.map(\.longitude) == expected.map(\.longitude))
    }
}
