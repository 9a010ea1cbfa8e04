import ActivityFiles
import Foundation
import Persistence

/// The binary columnar encoding of a run of consecutive `TrackPoint`s, stored in the `data` column
/// of `activity_point_chunks` (one row per chunk instead of one row per point, the way TimescaleDB
/// lays out compressed chunks).
///
/// Layout (version 2), every fixed-size number little-endian:
///
/// | bytes | what |
/// |---|---|
/// | 1 | format version, `2` |
/// | 4 | point count `n` (`UInt32`) |
/// | column | the `n` times (`Date.timeIntervalSinceReferenceDate`) |
/// | then, for each of the 9 optional fields in `PointChunk.value(_:of:)` order: | |
/// | 1 | presence: `0` no point has it, `1` every point has it, `2` a bitmap follows |
/// | ⌈n/8⌉ | presence `2` only: bit `i % 8` of byte `i / 8` is set when point `i` has the value |
/// | column | presence `1` or `2`: the `k` present values, in point order |
///
/// A column of `k` values starts with its encoding byte:
/// - `0`, raw: `k` `Float64` bit patterns (8 bytes each);
/// - `1`, decimal: a byte `d` (0…9), then `k` varints, the differences between consecutive integers
///   `m` with value `m / 10^d` (the first from 0);
/// - `2`, binary: a byte `e` (0…63), then `k` varints as above, of integers `m` with value `m · 2^-e`.
///
/// Varints are zigzag LEB128 (the encoding of Protocol Buffers' `sint64`). Device data is decimal
/// (GPX and TCX text: 1 s times, 1e-7° positions, 0.1 m altitudes, whole beats) or binary (FIT
/// positions in semicircles, 180/2³¹ degrees), so the differences of neighbours take one or two
/// bytes: 50,000 points of a GPX with position, altitude and heart rate take about 0.4 MB instead
/// of 2.0 MB raw. The encoder takes the scaled form only when every value of the column comes back
/// bit for bit from its integer (it checks each), and only when it is smaller; otherwise raw. So
/// the round trip stays exact, `-0.0`, fractions no decimal keeps and absent values included:
/// metrics and streams computed from stored points are the numbers computed at upload, on both
/// engines.
///
/// Version 1 (every column raw, without the encoding byte) is still read. Decoding checks every
/// length and throws `DatabaseError` (`.decoding`) on data that does not fit the layout, never
/// reads out of bounds.
public enum PointChunk {
    /// The most points one chunk holds. 1,024 keeps a chunk near 32–80 kB (a few PostgreSQL TOAST
    /// pages) so that reading a short window decodes little, while a 50,000-point activity is still
    /// only 49 rows.
    public static let capacity = 1_024

    static let version: UInt8 = 2
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
        // One pass over the points (152 bytes each) gathers every column, present values first.
        let columns = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, (1 + fieldCount) * count))
        defer { columns.deallocate() }
        var bitmaps = [UInt8](repeating: 0, count: fieldCount * bitmapSize)
        var present = [Int](repeating: 0, count: fieldCount)
        for index in 0..<count {
            let point = points[index]
            columns[index] = point.time.timeIntervalSinceReferenceDate
            for field in 0..<fieldCount {
                guard let number = value(field, of: point) else { continue }
                columns[(1 + field) * count + present[field]] = number
                present[field] += 1
                bitmaps[field * bitmapSize + index / 8] |= 1 << UInt8(index % 8)
            }
        }
        let writer = ColumnWriter(points: count)
        writer.append(version)
        writer.append(littleEndian: UInt32(count))
        writer.append(column: UnsafeBufferPointer(rebasing: columns[0..<count]))
        for field in 0..<fieldCount {
            switch present[field] {
            case 0:
                writer.append(0)
                continue
            case count:
                writer.append(1)
            default:
                writer.append(2)
                writer.append(bitmaps[field * bitmapSize..<(field + 1) * bitmapSize])
            }
            let start = (1 + field) * count
            writer.append(column: UnsafeBufferPointer(rebasing: columns[start..<start + present[field]]))
        }
        return writer.bytes
    }

    /// Decodes what `encode` wrote, in either version; throws `DatabaseError` (`.decoding`) for
    /// anything else.
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
        let format = raw[0]
        guard format == 1 || format == version else { throw CorruptChunk(reason: "unknown format version \(format)") }
        let count = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
        // Each point takes at least one byte of its time (eight in version 1): refuse counts the
        // data cannot hold before allocating anything for them.
        guard count <= (raw.count - headerSize) / (format == 1 ? 8 : 1) else {
            throw CorruptChunk(reason: "\(count) points do not fit in \(raw.count) bytes")
        }
        var reader = ColumnReader(raw: raw, offset: headerSize, rawOnly: format == 1)
        var values: [Double] = []
        values.reserveCapacity(count)
        try reader.read(count, into: &values, what: "the times")
        var points = values.map { TrackPoint(time: Date(timeIntervalSinceReferenceDate: $0)) }
        let bitmapSize = (count + 7) / 8
        for field in 0..<fieldCount {
            let presence = try reader.byte(what: "field \(field)")
            values.removeAll(keepingCapacity: true)
            switch presence {
            case 0:
                continue
            case 1:
                try reader.read(count, into: &values, what: "field \(field)")
                for index in 0..<count { set(field, values[index], in: &points[index]) }
            case 2:
                let bitmap = try reader.bytes(bitmapSize, what: "the bitmap of field \(field)")
                var present = 0
                for index in 0..<count where bitmap[index / 8] & (1 << UInt8(index % 8)) != 0 { present += 1 }
                try reader.read(present, into: &values, what: "field \(field)")
                var next = 0
                for index in 0..<count where bitmap[index / 8] & (1 << UInt8(index % 8)) != 0 {
                    set(field, values[next], in: &points[index])
                    next += 1
                }
            default:
                throw CorruptChunk(reason: "field \(field) has unknown presence \(presence)")
            }
        }
        guard reader.offset == raw.count else {
            throw CorruptChunk(reason: "\(raw.count - reader.offset) bytes left over after the last field")
        }
        return points
    }
}
