/// Where one decoded field sits in a data message, precomputed when its definition message is read
/// so that data messages are decoded without looking anything up.
struct FITFieldLayout: Sendable {
    var field: FITProfile.Field
    var type: FITBaseType
    /// Byte offset from the start of the data message's content (after the record header).
    var offset: Int
    /// Bytes in the message: the element size times the array length.
    var size: Int
    /// The type's invalid bit pattern, cached to keep the hot loop free of switches on the type.
    var invalid: UInt64
}

/// A definition message ("FIT Protocol", section 4.2) as the decoder keeps it: the fields
/// Stamina reads are a slice of the parser's field pool, everything else is only counted in `size`.
struct FITDefinition: Sendable {
    var globalMessage: UInt16
    var kind: FITProfile.Kind
    var bigEndian: Bool
    /// Bytes of a data message's content, developer fields included.
    var size: Int
    /// The decoded fields: `fieldPool[fieldStart..<fieldEnd]`.
    var fieldStart: Int
    var fieldEnd: Int
}

/// Reads values out of a data message.
extension UnsafeRawBufferPointer {
    /// The first element of a field as the raw unsigned bit pattern of its type's width.
    @inline(__always)
    func fitUnsigned(at offset: Int, size: Int, bigEndian: Bool) -> UInt64 {
        let pointer = baseAddress.unsafelyUnwrapped + offset
        switch size {
        case 1:
            return UInt64(pointer.load(as: UInt8.self))
        case 2:
            let raw = pointer.loadUnaligned(as: UInt16.self)
            return UInt64(bigEndian ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw))
        case 4:
            let raw = pointer.loadUnaligned(as: UInt32.self)
            return UInt64(bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw))
        default:
            let raw = pointer.loadUnaligned(as: UInt64.self)
            return bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)
        }
    }

    /// The first element of a numeric field, or nil when it holds the type's invalid value (which
    /// the FIT protocol uses for "field absent"). Strings are never numbers.
    @inline(__always)
    func fitNumber(_ layout: FITFieldLayout, base: Int, bigEndian: Bool) -> Double? {
        let raw = fitUnsigned(at: base + layout.offset, size: layout.type.size, bigEndian: bigEndian)
        if raw == layout.invalid { return nil }
        switch layout.type {
        case .sint8: return Double(Int8(truncatingIfNeeded: raw))
        case .sint16: return Double(Int16(truncatingIfNeeded: raw))
        case .sint32: return Double(Int32(truncatingIfNeeded: raw))
        case .sint64: return Double(Int64(bitPattern: raw))
        case .float32:
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: raw))
            return value.isFinite ? Double(value) : nil
        case .float64:
            let value = Double(bitPattern: raw)
            return value.isFinite ? value : nil
        case .string: return nil
        case .enumeration, .uint8, .uint16, .uint32, .uint64, .uint8z, .uint16z, .uint32z, .uint64z, .byte:
            return Double(raw)
        }
    }

    /// A numeric field as an unsigned integer (enums, counters, timestamps), nil when invalid or negative.
    @inline(__always)
    func fitInteger(_ layout: FITFieldLayout, base: Int, bigEndian: Bool) -> UInt64? {
        guard let value = fitNumber(layout, base: base, bigEndian: bigEndian), value >= 0 else { return nil }
        return UInt64(value)
    }

    /// A string field: UTF-8 up to the first NUL; nil when empty (the invalid string).
    func fitString(_ layout: FITFieldLayout, base: Int) -> String? {
        let start = base + layout.offset
        var end = start
        while end < start + layout.size, self[end] != 0 { end += 1 }
        guard end > start else { return nil }
        return String(decoding: self[start..<end], as: UTF8.self)
    }
}
