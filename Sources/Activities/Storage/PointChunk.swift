import ActivityFiles
import Foundation
import Persistence

/// The binary columnar encoding of a run of consecutive `TrackPoint`s, stored in the `data` column
/// of `activity_point_chunks` (one row per chunk instead of one row per point, the way TimescaleDB
/// lays out compressed chunks).
///
/// Layout, every number little-endian:
///
/// | bytes | what |
/// |---|---|
/// | 1 | format version, `1` |
/// | 4 | point count `n` (`UInt32`) |
/// | 8·n | times: the bit patterns of `Date.timeIntervalSinceReferenceDate` (`Float64`) |
/// | then, for each of the 9 optional fields in `PointChunk.value(_:of:)` order: | |
/// | 1 | presence: `0` no point has it, `1` every point has it, `2` a bitmap follows |
/// | ⌈n/8⌉ | presence `2` only: bit `i % 8` of byte `i / 8` is set when point `i` has the value |
/// | 8·k | the `k` present values as `Float64` bit patterns, in point order |
///
/// Bit patterns rather than rounded decimals or microseconds make the round trip exact: metrics and
/// streams computed from stored points are the numbers computed at upload, on both engines. An absent
/// value stays absent. Decoding checks every length and throws `DatabaseError` (`.decoding`) on data
/// that does not fit the layout, never reads out of bounds.
///
/// Chunks are stored uncompressed. zlib was measured on this layout for a 50,000-point GPX (time,
/// position, altitude, heart rate: 2.0 MB in 49 chunks): level 1 shrinks it to 40% but takes about
/// 44 ms to compress (18 ms to inflate), more than half the 80 ms budget of the whole upload.
public enum PointChunk {
    /// The most points one chunk holds. 1,024 keeps a chunk near 32–80 kB (a few PostgreSQL TOAST
    /// pages) so that reading a short window decodes little, while a 50,000-point activity is still
    /// only 49 rows.
    public static let capacity = 1_024

    static let version: UInt8 = 1
    static let headerSize = 5

    /// The number of optional fields, stored in the order of `value(_:of:)`.
    static let fieldCount = 9

    /// The optional field number `field` of a point (a switch, not key paths or closures: this runs
    /// for every value of an upload).
    @inline(__always)
    static func value(_ field: Int, of point: TrackPoint) -> Double? {
        switch field {
        case 0: point.latitude
        case 1: point.longitude
        case 2: point.altitude
        case 3: point.distance
        case 4: point.speed
        case 5: point.heartRate
        case 6: point.cadence
        case 7: point.power
        default: point.temperature
        }
    }

    static func set(_ field: Int, _ value: Double, in point: inout TrackPoint) {
        switch field {
        case 0: point.latitude = value
        case 1: point.longitude = value
        case 2: point.altitude = value
        case 3: point.distance = value
        case 4: point.speed = value
        case 5: point.heartRate = value
        case 6: point.cadence = value
        case 7: point.power = value
        default: point.temperature = value
        }
    }

    /// Encodes the points (callers pass at most `capacity`).
    public static func encode(_ points: [TrackPoint]) -> [UInt8] {
        encode(points[...])
    }

    /// Encodes the points (callers pass at most `capacity`).
    public static func encode(_ points: ArraySlice<TrackPoint>) -> [UInt8] {
        points.withUnsafeBufferPointer(encode)
    }

    static func encode(_ points: UnsafeBufferPointer<TrackPoint>) -> [UInt8] {
        let count = points.count
        let bitmapSize = (count + 7) / 8
        var presentCounts = [Int](repeating: 0, count: fieldCount)
        for field in 0..<fieldCount {
            var present = 0
            for point in points where value(field, of: point) != nil { present += 1 }
            presentCounts[field] = present
        }
        var size = headerSize + 8 * count
        for present in presentCounts {
            size += 1 + 8 * present + (present == 0 || present == count ? 0 : bitmapSize)
        }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            buffer.initialize(repeating: 0)
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw[0] = version
            raw.storeBytes(of: UInt32(count).littleEndian, toByteOffset: 1, as: UInt32.self)
            var offset = headerSize
            for point in points {
                raw.storeBytes(
                    of: point.time.timeIntervalSinceReferenceDate.bitPattern.littleEndian, toByteOffset: offset,
                    as: UInt64.self)
                offset += 8
            }
            for field in 0..<fieldCount {
                let present = presentCounts[field]
                if present == 0 {
                    raw[offset] = 0
                    offset += 1
                    continue
                }
                let bitmapOffset = offset + 1
                let withBitmap = present != count
                raw[offset] = withBitmap ? 2 : 1
                offset = bitmapOffset + (withBitmap ? bitmapSize : 0)
                for index in 0..<count {
                    guard let number = value(field, of: points[index]) else { continue }
                    if withBitmap { raw[bitmapOffset + index / 8] |= 1 << UInt8(index % 8) }
                    raw.storeBytes(of: number.bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
                    offset += 8
                }
            }
            precondition(offset == size, "PointChunk size mismatch")
            initialized = size
        }
    }

    /// Decodes what `encode` wrote; throws `DatabaseError` (`.decoding`) for anything else.
    public static func decode(_ bytes: [UInt8]) throws(DatabaseError) -> [TrackPoint] {
        let result = bytes.withUnsafeBytes { raw -> Result<[TrackPoint], CorruptChunk> in
            do throws(CorruptChunk) {
                return .success(try decode(raw))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let points):
            return points
        case .failure(let error):
            throw DatabaseError(
                code: .decoding, message: "A stored chunk of activity points is corrupt: \(error.reason).")
        }
    }

    struct CorruptChunk: Error {
        var reason: String
    }

    static func decode(_ raw: UnsafeRawBufferPointer) throws(CorruptChunk) -> [TrackPoint] {
        guard raw.count >= headerSize else {
            throw CorruptChunk(reason: "\(raw.count) bytes, shorter than the \(headerSize)-byte header")
        }
        guard raw[0] == version else { throw CorruptChunk(reason: "unknown format version \(raw[0])") }
        let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
        // Each point takes at least its 8-byte time: refuse counts the data cannot hold before
        // allocating anything for them.
        guard count <= (raw.count - headerSize) / 8 else {
            throw CorruptChunk(reason: "\(count) points do not fit in \(raw.count) bytes")
        }
        var points: [TrackPoint] = []
        points.reserveCapacity(count)
        var offset = headerSize
        for _ in 0..<count {
            let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            points.append(TrackPoint(time: Date(timeIntervalSinceReferenceDate: Double(bitPattern: bits))))
            offset += 8
        }
        let bitmapSize = (count + 7) / 8
        for field in 0..<fieldCount {
            guard offset < raw.count else { throw CorruptChunk(reason: "field \(field) is missing") }
            let presence = raw[offset]
            offset += 1
            switch presence {
            case 0:
                continue
            case 1:
                guard raw.count - offset >= 8 * count else {
                    throw CorruptChunk(reason: "field \(field) is truncated")
                }
                for index in 0..<count {
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    set(field, Double(bitPattern: bits), in: &points[index])
                    offset += 8
                }
            case 2:
                guard raw.count - offset >= bitmapSize else {
                    throw CorruptChunk(reason: "the bitmap of field \(field) is truncated")
                }
                let bitmapOffset = offset
                offset += bitmapSize
                for index in 0..<count where raw[bitmapOffset + index / 8] & (1 << UInt8(index % 8)) != 0 {
                    guard raw.count - offset >= 8 else { throw CorruptChunk(reason: "field \(field) is truncated") }
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    set(field, Double(bitPattern: bits), in: &points[index])
                    offset += 8
                }
            default:
                throw CorruptChunk(reason: "field \(field) has unknown presence \(presence)")
            }
        }
        guard offset == raw.count else {
            throw CorruptChunk(reason: "\(raw.count - offset) bytes left over after the last field")
        }
        return points
    }
}
