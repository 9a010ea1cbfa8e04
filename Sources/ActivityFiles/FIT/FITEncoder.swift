/// Writes FIT files, message by message ("FIT Protocol", section 4), for test fixtures and exports.
///
/// It writes what the decoder must read: 12- or 14-byte headers with CRC, definitions in either
/// byte order, local message redefinition, compressed-timestamp headers, developer fields and
/// chained files (concatenate the `file()` of several encoders).
struct FITEncoder {
    enum Endianness: Sendable {
        case little, big
    }

    /// A field of a definition message; `count` elements of `type` (strings: `count` bytes).
    struct Field: Sendable {
        var number: UInt8
        var type: FITBaseType
        var count: Int = 1

        var size: Int { type.size * count }
    }

    /// A developer field of a definition message (section 4.2.1.5).
    struct DeveloperField: Sendable {
        var number: UInt8
        var size: Int
        var developerDataIndex: UInt8
    }

    /// A field's value; `nil` writes the type's invalid value.
    enum Value: Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral {
        case integer(Int64)
        case float(Double)
        case string(String)
        case bytes([UInt8])
        case array([Int64])

        init(integerLiteral value: Int64) { self = .integer(value) }
        init(floatLiteral value: Double) { self = .float(value) }
        init(stringLiteral value: String) { self = .string(value) }
    }

    private struct Definition {
        var fields: [Field]
        var developerFields: [DeveloperField]
        var endianness: Endianness
    }

    /// The data records written so far (everything between header and CRC).
    private(set) var records: [UInt8] = []
    private var definitions: [UInt8: Definition] = [:]

    /// Writes a definition message for `localType` (0...15), replacing any earlier one.
    mutating func define(
        localType: UInt8, globalMessage: UInt16, fields: [Field], developerFields: [DeveloperField] = [],
        endianness: Endianness = .little
    ) {
        precondition(localType < 16, "local message types are 0...15")
        records.append(0x40 | (developerFields.isEmpty ? 0 : 0x20) | localType)
        records.append(0)  // reserved
        records.append(endianness == .big ? 1 : 0)
        append(UInt64(globalMessage), size: 2, endianness)
        records.append(UInt8(fields.count))
        for field in fields {
            records += [field.number, UInt8(field.size), field.type.definitionByte]
        }
        if !developerFields.isEmpty {
            records.append(UInt8(developerFields.count))
            for field in developerFields {
                records += [field.number, UInt8(field.size), field.developerDataIndex]
            }
        }
        definitions[localType] = Definition(fields: fields, developerFields: developerFields, endianness: endianness)
    }

    /// Writes a data message for `localType`, one value per defined field in order. With
    /// `timeOffset` (0...31) the record header is a compressed-timestamp header (local types 0...3).
    mutating func write(
        localType: UInt8, _ values: [Value?], developerValues: [[UInt8]] = [], timeOffset: UInt8? = nil
    ) {
        guard let definition = definitions[localType] else {
            preconditionFailure("local message type \(localType) is not defined")
        }
        precondition(values.count == definition.fields.count, "one value per field")
        if let timeOffset {
            precondition(localType < 4 && timeOffset < 32, "compressed headers carry local types 0...3")
            records.append(0x80 | localType << 5 | timeOffset)
        } else {
            records.append(localType)
        }
        for (field, value) in zip(definition.fields, values) {
            append(value, as: field, definition.endianness)
        }
        for (field, bytes) in zip(definition.developerFields, developerValues) {
            precondition(bytes.count == field.size, "developer value size")
            records += bytes
        }
    }

    /// Appends raw bytes, for tests that build malformed files.
    mutating func appendRaw(_ bytes: [UInt8]) {
        records += bytes
    }

    /// The complete file: header (with header CRC when 14 bytes), records, file CRC.
    func file(headerSize: Int = 14, protocolVersion: UInt8 = 0x20, profileVersion: UInt16 = 21_218) -> [UInt8] {
        precondition(headerSize == 12 || headerSize == 14)
        var bytes: [UInt8] = [UInt8(headerSize), protocolVersion]
        bytes += [UInt8(profileVersion & 0xFF), UInt8(profileVersion >> 8)]
        let size = UInt32(records.count)
        bytes += [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24)]
        bytes += Array(".FIT".utf8)
        if headerSize == 14 {
            let crc = FITCRC.compute(bytes)
            bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        }
        bytes += records
        let crc = FITCRC.compute(bytes)
        bytes += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        return bytes
    }

    private mutating func append(_ value: UInt64, size: Int, _ endianness: Endianness) {
        for index in 0..<size {
            let shift = endianness == .little ? index * 8 : (size - 1 - index) * 8
            records.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private mutating func append(_ value: Value?, as field: Field, _ endianness: Endianness) {
        let type = field.type
        switch value {
        case nil:
            for _ in 0..<field.count { append(type.invalidPattern, size: type.size, endianness) }
        case .string(let text)?:
            let utf8 = Array(text.utf8.prefix(field.size - 1))
            records += utf8 + [UInt8](repeating: 0, count: field.size - utf8.count)
        case .bytes(let bytes)?:
            precondition(bytes.count == field.size, "byte value size")
            records += bytes
        case .integer(let number)?:
            append(UInt64(bitPattern: number), size: type.size, endianness)
            for _ in 1..<max(field.count, 1) { append(type.invalidPattern, size: type.size, endianness) }
        case .float(let number)?:
            let bits: UInt64 =
                switch type {
                case .float32: UInt64(Float(number).bitPattern)
                case .float64: number.bitPattern
                default: UInt64(bitPattern: Int64(number.rounded()))
                }
            append(bits, size: type.size, endianness)
            for _ in 1..<max(field.count, 1) { append(type.invalidPattern, size: type.size, endianness) }
        case .array(let numbers)?:
            precondition(numbers.count <= field.count, "array longer than its field")
            for number in numbers { append(UInt64(bitPattern: number), size: type.size, endianness) }
            for _ in numbers.count..<field.count { append(type.invalidPattern, size: type.size, endianness) }
        }
    }
}
