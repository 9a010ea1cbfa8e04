import NIOCore

/// One argument of a command, written to the wire as a RESP bulk string.
public struct RESPArgument: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    private enum Storage: Sendable {
        case string(String)
        case bytes([UInt8])
    }

    private let storage: Storage

    public init(_ string: String) { storage = .string(string) }
    public init(_ bytes: [UInt8]) { storage = .bytes(bytes) }
    public init(_ value: Int) { storage = .string(String(value)) }
    /// Written in Swift's shortest round-tripping form, which Redis parses (`inf` and `-inf` included).
    public init(_ value: Double) { storage = .string(value.description) }
    public init(stringLiteral value: String) { storage = .string(value) }
    public init(integerLiteral value: Int) { self.init(value) }

    /// Appends `$<length>\r\n<bytes>\r\n`.
    func write(to buffer: inout ByteBuffer) {
        switch storage {
        case .string(let string):
            buffer.writeRESPHeader(UInt8(ascii: "$"), string.utf8.count)
            buffer.writeString(string)
        case .bytes(let bytes):
            buffer.writeRESPHeader(UInt8(ascii: "$"), bytes.count)
            buffer.writeBytes(bytes)
        }
        buffer.writeStaticString("\r\n")
    }
}

extension ByteBuffer {
    /// Appends a type byte, a decimal count and CRLF, e.g. `*3\r\n`.
    mutating func writeRESPHeader(_ type: UInt8, _ count: Int) {
        writeInteger(type)
        writeString(String(count))
        writeStaticString("\r\n")
    }
}
