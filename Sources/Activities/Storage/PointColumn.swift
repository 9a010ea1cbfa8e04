/// Writes columns of `Float64` values in `PointChunk`'s column encodings: raw, or as integers
/// scaled by a power of ten or of two, their successive differences as zigzag varints.
struct ColumnWriter {
    var bytes: [UInt8]
    /// The scaled integers of the candidate encodings, kept between columns.
    private var decimal: [Int64] = []
    private var binary: [Int64] = []

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends the column of `values` in its smallest exact encoding.
    mutating func append(_ values: [Double]) {
        var best: (tag: UInt8, parameter: Int, size: Int)?
        if let digits = ColumnScale.decimalDigits(values),
            let size = Self.scale(values, by: .decimal(digits), into: &decimal)
        {
            best = (1, digits, size)
        }
        if let exponent = ColumnScale.binaryExponent(values),
            let size = Self.scale(values, by: .binary(exponent), into: &binary), size < best?.size ?? .max
        {
            best = (2, exponent, size)
        }
        guard let best, best.size < 8 * values.count else {
            bytes.append(0)
            for value in values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
            }
            return
        }
        bytes.append(best.tag)
        bytes.append(UInt8(best.parameter))
        var previous: Int64 = 0
        for integer in best.tag == 1 ? decimal : binary {
            Self.appendVarint(integer &- previous, to: &bytes)
            previous = integer
        }
    }

    /// Fills `integers` with the scaled values and returns the size of their varints, or nil when
    /// some value does not come back bit for bit.
    private static func scale(_ values: [Double], by scale: ColumnScale, into integers: inout [Int64]) -> Int? {
        integers.removeAll(keepingCapacity: true)
        var size = 0
        var previous: Int64 = 0
        for value in values {
            guard let integer = scale.integer(value) else { return nil }
            integers.append(integer)
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

    static func appendVarint(_ value: Int64, to bytes: inout [UInt8]) {
        var rest = zigzag(value)
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}

/// Reads what `ColumnWriter` wrote, checking every length.
struct ColumnReader {
    let raw: UnsafeRawBufferPointer
    var offset: Int
    /// Version 1 chunks: every column raw, without an encoding byte.
    let rawOnly: Bool

    init(raw: UnsafeRawBufferPointer, offset: Int, raw rawOnly: Bool) {
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
        case 1, 2:
            let parameter = Int(try byte(what: what()))
            let scale = encoding == 1 ? ColumnScale.decimal(parameter) : .binary(parameter)
            guard scale.isValid else {
                throw PointChunk.CorruptChunk(reason: "\(what()) has an unknown scale \(parameter)")
            }
            var integer: Int64 = 0
            for _ in 0..<count {
                integer &+= try varint(what: what())
                values.append(scale.value(integer))
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

/// The integer form of a column: value = m / 10^d, or value = m · 2^-e.
enum ColumnScale {
    case decimal(Int)
    case binary(Int)

    static let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
    /// Integers up to 2^53 convert to and from `Double` exactly.
    static let exactLimit: Double = 9_007_199_254_740_992

    var isValid: Bool {
        switch self {
        case .decimal(let digits): digits < Self.powersOfTen.count
        case .binary(let exponent): exponent < 64
        }
    }

    func value(_ integer: Int64) -> Double {
        switch self {
        case .decimal(let digits): Double(integer) / Self.powersOfTen[digits]
        case .binary(let exponent): Double(integer) * Double(sign: .plus, exponent: -exponent, significand: 1)
        }
    }

    /// The integer `value` scales to, when it converts back to exactly `value`.
    @inline(__always)
    func integer(_ value: Double) -> Int64? {
        let scaled: Double
        switch self {
        case .decimal(let digits): scaled = (value * Self.powersOfTen[digits]).rounded()
        case .binary(let exponent): scaled = value * Double(sign: .plus, exponent: exponent, significand: 1)
        }
        guard abs(scaled) <= Self.exactLimit else { return nil }  // also refuses NaN
        let integer = Int64(scaled)
        return self.value(integer).bitPattern == value.bitPattern ? integer : nil
    }

    /// The fewest decimal digits (up to 9) with which every value comes back from its integer.
    static func decimalDigits(_ values: [Double]) -> Int? {
        var digits = 0
        for value in values {
            while ColumnScale.decimal(digits).integer(value) == nil {
                digits += 1
                if digits == powersOfTen.count { return nil }
            }
        }
        return digits
    }

    /// The fewest binary fraction digits (up to 63) that make every value an integer.
    static func binaryExponent(_ values: [Double]) -> Int? {
        var exponent = 0
        for value in values where value != 0 {
            guard value.isFinite else { return nil }
            exponent = max(exponent, Int(value.significandWidth) - Int(value.exponent))
        }
        return exponent < 64 ? exponent : nil
    }
}
