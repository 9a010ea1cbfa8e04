import NIOCore

/// Decodes RESP2 replies, and tolerates RESP3 ones by mapping them onto ``RESPValue``:
/// null (`_`) becomes a null bulk string, booleans (`#`) integers 1 and 0, doubles (`,`) and big numbers (`(`)
/// bulk strings of their text, verbatim strings (`=`) bulk strings without the format prefix, blob errors (`!`)
/// errors, maps (`%`) flat key-value arrays, sets (`~`) and pushes (`>`) arrays; attributes (`|`) are skipped.
///
/// An incomplete frame leaves the buffer untouched until more bytes arrive. Bytes that are not RESP throw
/// ``RedisError/Code/protocolError``, upon which the connection is closed.
struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// Nesting deeper than this is taken for garbage rather than risk the stack.
    static let maximumDepth = 64
    /// Redis's own `proto-max-bulk-len` default.
    static let maximumBulkLength = 512 * 1024 * 1024
    /// A line (simple string, number or length) without CRLF after this many bytes is garbage.
    static let maximumLineLength = 64 * 1024

    mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        let start = buffer.readerIndex
        guard let value = try Self.parseValue(&buffer, depth: 0) else {
            buffer.moveReaderIndex(to: start)
            return nil
        }
        return value
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try decode(buffer: &buffer)
    }

    /// Reads one value, or returns nil (with the reader index anywhere) if the buffer ends before it does.
    private static func parseValue(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth <= maximumDepth else { throw protocolError("replies nested deeper than \(maximumDepth)") }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            return try readLine(&buffer).map { .simpleString(String(decoding: $0, as: UTF8.self)) }
        case UInt8(ascii: "-"):
            return try readLine(&buffer).map { .error(String(decoding: $0, as: UTF8.self)) }
        case UInt8(ascii: ":"):
            return try readInteger(&buffer).map { .integer($0) }
        case UInt8(ascii: "$"):
            return try readBulk(&buffer).map { .bulkString($0) }
        case UInt8(ascii: "*"):
            return try readAggregate(&buffer, elementsPerEntry: 1, depth: depth).map { .array($0) }
        case UInt8(ascii: "_"):
            guard let line = try readLine(&buffer) else { return nil }
            guard line.isEmpty else { throw protocolError("null with content") }
            return .bulkString(nil)
        case UInt8(ascii: "#"):
            guard let line = try readLine(&buffer) else { return nil }
            switch line.first {
            case UInt8(ascii: "t") where line.count == 1: return .integer(1)
            case UInt8(ascii: "f") where line.count == 1: return .integer(0)
            default: throw protocolError("invalid boolean")
            }
        case UInt8(ascii: ","), UInt8(ascii: "("):
            return try readLine(&buffer).map { .bulkString(Array($0)) }
        case UInt8(ascii: "="):
            return try readBulk(&buffer).map { .bulkString($0.map { Array($0.dropFirst(4)) }) }
        case UInt8(ascii: "!"):
            return try readBulk(&buffer).map { .error(String(decoding: $0 ?? [], as: UTF8.self)) }
        case UInt8(ascii: "%"):
            return try readAggregate(&buffer, elementsPerEntry: 2, depth: depth).map { .array($0) }
        case UInt8(ascii: "~"), UInt8(ascii: ">"):
            return try readAggregate(&buffer, elementsPerEntry: 1, depth: depth).map { .array($0) }
        case UInt8(ascii: "|"):
            guard try readAggregate(&buffer, elementsPerEntry: 2, depth: depth) != nil else { return nil }
            return try parseValue(&buffer, depth: depth)
        default:
            throw protocolError("unexpected type byte 0x\(String(type, radix: 16))")
        }
    }

    /// The bytes up to the next CRLF, consuming the CRLF.
    private static func readLine(_ buffer: inout ByteBuffer) throws -> ByteBufferView? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            guard view.count <= maximumLineLength else { throw protocolError("line without CRLF") }
            return nil
        }
        let length = cr - view.startIndex
        guard length + 1 < view.count else { return nil }
        guard view[cr + 1] == UInt8(ascii: "\n") else { throw protocolError("CR without LF") }
        let line = view[view.startIndex..<cr]
        buffer.moveReaderIndex(forwardBy: length + 2)
        return line
    }

    private static func readInteger(_ buffer: inout ByteBuffer) throws -> Int64? {
        guard let line = try readLine(&buffer) else { return nil }
        var digits = line[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { throw protocolError("empty number") }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { throw protocolError("invalid number") }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw protocolError("number out of range") }
            value = sum
        }
        return negative ? -value : value
    }

    /// A length line; -1 means null.
    private static func readLength(_ buffer: inout ByteBuffer, limit: Int) throws -> Int? {
        guard let length = try readInteger(&buffer) else { return nil }
        guard length >= -1, length <= limit else { throw protocolError("invalid length \(length)") }
        return Int(length)
    }

    /// A length-prefixed string: `.some(nil)` for null, nil if incomplete.
    private static func readBulk(_ buffer: inout ByteBuffer) throws -> [UInt8]?? {
        guard let length = try readLength(&buffer, limit: maximumBulkLength) else { return nil }
        guard length >= 0 else { return .some(nil) }
        guard buffer.readableBytes >= length + 2 else { return nil }
        let bytes = buffer.readBytes(length: length)
        guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw protocolError("bulk string without CRLF") }
        return bytes
    }

    /// Arrays, sets, pushes (one element per entry) and maps or attributes (two): `.some(nil)` for null.
    private static func readAggregate(
        _ buffer: inout ByteBuffer,
        elementsPerEntry: Int,
        depth: Int
    ) throws -> [RESPValue]?? {
        guard let count = try readLength(&buffer, limit: Int(Int32.max)) else { return nil }
        guard count >= 0 else { return .some(nil) }
        let total = count * elementsPerEntry
        var elements: [RESPValue] = []
        // Every element takes at least three bytes: never reserve what garbage claims but the buffer can't hold.
        elements.reserveCapacity(min(total, buffer.readableBytes / 3))
        for _ in 0..<total {
            guard let element = try parseValue(&buffer, depth: depth + 1) else { return nil }
            elements.append(element)
        }
        return elements
    }

    private static func protocolError(_ detail: String) -> RedisError {
        RedisError(code: .protocolError, message: "invalid reply from Redis: \(detail)")
    }
}
