/// The FIT base types ("FIT Protocol", section 4.2.1, table 7). The raw value is the type's number,
/// the low five bits of the base type byte in a definition; the high bit only says the type is wider
/// than a byte, so decoding goes by the number alone.
enum FITBaseType: UInt8, Sendable, CaseIterable {
    case enumeration = 0
    case sint8 = 1
    case uint8 = 2
    case sint16 = 3
    case uint16 = 4
    case sint32 = 5
    case uint32 = 6
    case string = 7
    case float32 = 8
    case float64 = 9
    case uint8z = 10
    case uint16z = 11
    case uint32z = 12
    case byte = 13
    case sint64 = 14
    case uint64 = 15
    case uint64z = 16

    /// The base type for a definition's base type byte, or nil for a number the protocol does not define.
    init?(definitionByte: UInt8) {
        self.init(rawValue: definitionByte & 0x1F)
    }

    /// The byte a definition message carries for this type (the number, with bit 7 set for
    /// multi-byte types).
    var definitionByte: UInt8 {
        size > 1 ? rawValue | 0x80 : rawValue
    }

    /// Bytes per element.
    var size: Int {
        switch self {
        case .enumeration, .sint8, .uint8, .string, .uint8z, .byte: 1
        case .sint16, .uint16, .uint16z: 2
        case .sint32, .uint32, .float32, .uint32z: 4
        case .float64, .sint64, .uint64, .uint64z: 8
        }
    }

    /// The raw bit pattern that means "no value" (table 7), as the unsigned integer of the type's width.
    var invalidPattern: UInt64 {
        switch self {
        case .enumeration, .uint8, .byte: 0xFF
        case .sint8: 0x7F
        case .sint16: 0x7FFF
        case .uint16: 0xFFFF
        case .sint32: 0x7FFF_FFFF
        case .uint32, .float32: 0xFFFF_FFFF
        case .float64, .uint64: 0xFFFF_FFFF_FFFF_FFFF
        case .sint64: 0x7FFF_FFFF_FFFF_FFFF
        case .string, .uint8z, .uint16z, .uint32z, .uint64z: 0
        }
    }
}
