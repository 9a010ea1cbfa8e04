/// The CRC-16 that guards FIT headers and files.
///
/// The FIT SDK (`fit_crc.c`, "FIT Protocol", section 3.3.2) computes it a nibble at a time with a
/// 16-entry table; that is CRC-16/ARC (reflected polynomial 0xA001, initial value 0). Here the same
/// CRC is computed a byte at a time with a 256-entry table derived from the SDK's nibble table.
enum FITCRC {
    /// The FIT SDK's nibble table.
    static let nibbleTable: [UInt16] = [
        0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
        0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
    ]

    /// The SDK's update for one byte: low nibble first, then high nibble.
    static func updateByNibbles(_ crc: UInt16, _ byte: UInt8) -> UInt16 {
        var crc = crc
        var tmp = nibbleTable[Int(crc & 0xF)]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ nibbleTable[Int(byte & 0xF)]
        tmp = nibbleTable[Int(crc & 0xF)]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ nibbleTable[Int((byte >> 4) & 0xF)]
        return crc
    }

    /// `byteTable[i]` is the CRC of the single byte `i` started from zero, so that
    /// `crc' = (crc >> 8) ^ byteTable[(crc ^ byte) & 0xFF]`.
    static let byteTable: [UInt16] = (0..<256).map { updateByNibbles(0, UInt8($0)) }

    /// The CRC of `bytes[range]`, continuing from `crc`.
    static func compute(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, crc: UInt16 = 0) -> UInt16 {
        var crc = crc
        byteTable.withUnsafeBufferPointer { table in
            for index in start..<end {
                crc = (crc >> 8) ^ table[Int(UInt8(truncatingIfNeeded: crc) ^ bytes[index])]
            }
        }
        return crc
    }

    /// The CRC of a whole byte array.
    static func compute(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { compute($0, from: 0, to: $0.count) }
    }
}
