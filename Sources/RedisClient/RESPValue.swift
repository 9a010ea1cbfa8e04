/// A reply from Redis. RESP3-only types are mapped onto these cases by the decoder (see ``RESPDecoder``).
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// `nil` is Redis's null bulk string (e.g. GET of a missing key).
    case bulkString([UInt8]?)
    /// `nil` is Redis's null array.
    case array([RESPValue]?)

    /// The value as text: simple and bulk strings (bulk decoded as UTF-8) and integers; nil otherwise.
    public var string: String? {
        switch self {
        case .simpleString(let string): string
        case .bulkString(let bytes?): String(decoding: bytes, as: UTF8.self)
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// The raw bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes?): bytes
        case .simpleString(let string): Array(string.utf8)
        default: nil
        }
    }

    /// The value as an integer: integer replies and strings holding one (e.g. GET of a counter).
    public var int: Int64? {
        if case .integer(let value) = self { return value }
        return string.flatMap { Int64($0) }
    }

    /// The value as a floating-point number, e.g. a sorted-set score.
    public var double: Double? {
        if case .integer(let value) = self { return Double(value) }
        return string.flatMap { Double($0) }
    }

    /// True for a null bulk string or a null array.
    public var isNull: Bool {
        self == .bulkString(nil) || self == .array(nil)
    }

    /// The elements of a non-null array.
    public var array: [RESPValue]? {
        if case .array(let elements?) = self { return elements }
        return nil
    }
}
