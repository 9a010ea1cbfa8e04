/// Writes `PointChunk`'s header and columns into a buffer sized for the worst case: a column is
/// raw, or integers scaled by a power of ten or of two with their successive differences as zigzag
/// varints, whichever is exact and smallest.
final class ColumnWriter {
    private let buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    /// The scaled integers of the two candidate encodings.
    private let decimal: UnsafeMutableBufferPointer<Int64>
    private let binary: UnsafeMutableBufferPointer<Int64>

    /// A writer for a chunk of `points` points: header, times and nine fields, each column no
    /// larger than raw plus its two encoding bytes.
    init(points: Int) {
        let column = 2 + 8 * points
        buffer = .allocate(byteCount: 5 + 10 * (1 + column) + 9 * (points + 7) / 8, alignment: 8)
        decimal = .allocate(capacity: max(1, points))
        binary = .allocate(capacity: max(1, points))
    }

    deinit {
        buffer.deallocate()
        decimal.deallocate()
        binary.deallocate()
    }

    /// What was written.
    var bytes: [UInt8] { Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }

    func append(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    func append(_ bytes: some Collection<UInt8>) {
        for byte in bytes { append(byte) }
    }

    func append(littleEndian value: UInt32) {
        buffer.storeBytes(of: value.littleEndian, toByteOffset: count, as: UInt32.self)
        count += 4
    }

    /// Appends the column of `values` in its smallest exact encoding. Decimal first, the form of
    /// device text (GPX, TCX): taken at once when its varints average at most two bytes.
    func append(column values: UnsafeBufferPointer<Double>) {
        var best: (tag: UInt8, parameter: Int, size: Int)?
        if let digits = ColumnScale.decimalDigits(values),
            let size = Self.scale(values, power: ColumnScale.powersOfTen[digits], into: decimal)
        {
            best = (1, digits, size)
        }
        if best.map({ $0.size > 2 * values.count }) ?? true, let exponent = ColumnScale.binaryExponent(values),
            let size = Self.scale(values, exponent: exponent, into: binary), size < best?.size ?? .max
        {
            best = (2, exponent, size)
        }
        guard let best, best.size < 8 * values.count else {
            append(0)
            for value in values {
                buffer.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: count, as: UInt64.self)
                count += 8
            }
            return
        }
        append(best.tag)
        append(UInt8(best.parameter))
        var previous: Int64 = 0
        for integer in (best.tag == 1 ? decimal : binary).prefix(values.count) {
            var rest = Self.zigzag(integer &- previous)
            while rest >= 0x80 {
                append(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            append(UInt8(rest))
            previous = integer
        }
    }

    /// Fills `integers` with `value · power`, and returns the size of their varints, or nil when
    /// some value does not come back bit for bit from `integer / power`.
    private static func scale(
        _ values: UnsafeBufferPointer<Double>, power: Double, into integers: UnsafeMutableBufferPointer<Int64>
    ) -> Int? {
        var size = 0
        var previous: Int64 = 0
        for (index, value) in values.enumerated() {
            guard let integer = ColumnScale.decimalInteger(value, power: power) else { return nil }
            integers[index] = integer
            size += varintSize(integer &- previous)
            previous = integer
        }
        return size
    }

    /// As above for `value · 2^exponent`, which is exact as long as it is an integer.
    private static func scale(
        _ values: UnsafeBufferPointer<Double>, exponent: Int, into integers: UnsafeMutableBufferPointer<Int64>
    ) -> Int? {
        let factor = Double(sign: .plus, exponent: exponent, significand: 1)
        var size = 0
        var previous: Int64 = 0
        for (index, value) in values.enumerated() {
            let scaled = value * factor
            guard abs(scaled) <= ColumnScale.exactLimit, scaled.rounded(.toNearestOrEven) == scaled,
                value.sign == .plus || value != 0
            else { return nil }
            let integer = Int64(scaled)
            integers[index] = integer
            size += varintSize(integer &- previous)
            previous = integer
        }
        return size
    }

    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    static func varintSize(_ value: Int64) -> Int {
        (64 - (zigzag(value) | 1).leadingZeroBitCount + 6) / 7
    }
}

/// Reads what `ColumnWriter` wrote, checking every length.
struct ColumnReader {
    let raw: UnsafeRawBufferPointer
    var offset: Int
    /// Version 1 chunks: every column raw, without an encoding byte.
    let rawOnly: Bool

    init(raw: UnsafeRawBufferPointer, offset: Int, rawOnly: Bool) {
        self.raw = raw
        self.offset = offset
        self.rawOnly = rawOnly
    }

    mutating func byte(what: @autoclosure () -> String) throws(PointChunk.CorruptChunk) -> UInt8 {
        guard offset < raw.count else { throw PointChunk.CorruptChunk(reason: "\(what()) is missing") }
        defer { offset += 1 }
        return raw[offset]
    }

    mutating func bytes(_ count: Int, what: @autoclosure () -> String) throws(PointChunk.CorruptChunk)
        -> UnsafeRawBufferPointer
    {
        guard raw.count - offset >= count else { throw PointChunk.CorruptChunk(reason: "\(what()) is truncated") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: raw[offset..<offset + count])
    }

    /// Appends a column of `count` values to `values`.
    mutating func read(_ count: Int, into values: inout [Double], what: @autoclosure () -> String)
        throws(PointChunk.CorruptChunk)
    {
        let encoding = rawOnly ? 0 : try byte(what: what())
        switch encoding {
        case 0:
            let bytes = try bytes(8 * count, what: what())
            for index in 0..<count {
                values.append(
                    Double(
                        bitPattern: UInt64(
                            littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self))))
            }
        case 1:
            let digits = Int(try byte(what: what()))
            guard digits < ColumnScale.powersOfTen.count else {
                throw PointChunk.CorruptChunk(reason: "\(what()) has an unknown scale \(digits)")
            }
            let power = ColumnScale.powersOfTen[digits]
            var integer: Int64 = 0
            for _ in 0..<count {
                integer &+= try varint(what: what())
                values.append(Double(integer) / power)
            }
        case 2:
            let exponent = Int(try byte(what: what()))
            guard exponent < 64 else {
                throw PointChunk.CorruptChunk(reason: "\(what()) has an unknown scale \(exponent)")
            }
            let factor = Double(sign: .plus, exponent: -exponent, significand: 1)
            var integer: Int64 = 0
            for _ in 0..<count {
                integer &+= try varint(what: what())
                values.append(Double(integer) * factor)
            }
        default:
            throw PointChunk.CorruptChunk(reason: "\(what()) has an unknown encoding \(encoding)")
        }
    }

    private mutating func varint(what: @autoclosure () -> String) throws(PointChunk.CorruptChunk) -> Int64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < raw.count, shift < 64 {
            let byte = raw[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1) }
            shift += 7
        }
        throw PointChunk.CorruptChunk(reason: "\(what()) is truncated")
    }
}

/// The integer forms of a column: value = m / 10^d, or value = m · 2^-e.
enum ColumnScale {
    static let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
    /// Integers up to 2^53 convert to and from `Double` exactly.
    static let exactLimit: Double = 9_007_199_254_740_992

    /// `value · power` as an integer, when `integer / power` is exactly `value`.
    @inline(__always)
    static func decimalInteger(_ value: Double, power: Double) -> Int64? {
        let scaled = (value * power).rounded(.toNearestOrEven)
        guard abs(scaled) <= exactLimit else { return nil }  // also refuses NaN
        let integer = Int64(scaled)
        return (Double(integer) / power).bitPattern == value.bitPattern ? integer : nil
    }

    /// The fewest decimal digits (up to 9) with which every value comes back from its integer.
    static func decimalDigits(_ values: UnsafeBufferPointer<Double>) -> Int? {
        var digits = 0
        for value in values {
            while decimalInteger(value, power: powersOfTen[digits]) == nil {
                digits += 1
                if digits == powersOfTen.count { return nil }
            }
        }
        return digits
    }

    /// The fewest binary fraction digits (up to 63) that make every value an integer.
    static func binaryExponent(_ values: UnsafeBufferPointer<Double>) -> Int? {
        var exponent = 0
        for value in values where value != 0 {
            guard value.isFinite else { return nil }
            exponent = max(exponent, Int(value.significandWidth) - Int(value.exponent))
        }
        return exponent < 64 ? exponent : nil
    }
}
