import CivilTime
import Foundation
import Persistence

/// Event payloads as JSON in one pass: the value's `encode(to:)` writes straight into a byte buffer,
/// where `JSONEncoder` first builds a tree of boxed values and then serialises it (13 µs for an
/// `ActivityRecorded`, the better part of what its append added to an SQLite write). Readable by
/// `JSONDecoder` with `.iso8601` dates as `Outbox`'s payloads always were: dates as ISO 8601 in UTC
/// to the second, UUIDs as `uuidString`, integral doubles without a fraction. Keys come in the order
/// the value encodes them (declaration order for synthesised `Encodable`), not sorted.
///
/// Containers are written as they are opened, so a value must finish one before it writes to the
/// container around it, as synthesised `Encodable` does; a container left open is closed by the next
/// write to a container around it. `codingPath` is always empty.
enum PayloadEncoder {
    static func encode(_ value: some Encodable) throws -> String {
        let writer = PayloadWriter()
        try writer.value(value, depth: 0)
        writer.close(deeperThan: 0)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// The output, and the containers still open in it.
final class PayloadWriter {
    // Unchecked: the writer is used by one encode call on one thread, and a dynamic exclusivity
    // check on every append cost more than the appends.
    @exclusivity(unchecked) var bytes: [UInt8] = []
    /// Open containers, outermost first: the byte that closes each, and whether it has an element.
    @exclusivity(unchecked) private var open: [(close: UInt8, hasElement: Bool)] = []

    init() { bytes.reserveCapacity(512) }

    /// Closes the containers above `level` (the number that stay open).
    func close(deeperThan level: Int) {
        while open.count > level { bytes.append(open.removeLast().close) }
    }

    /// Opens a container at `level`, or continues the one open there (a second `container(keyedBy:)`
    /// call of one value).
    func begin(_ opening: UInt8, _ closing: UInt8, at level: Int) {
        close(deeperThan: level + 1)
        if open.count == level + 1, open[level].close == closing { return }
        close(deeperThan: level)
        bytes.append(opening)
        open.append((closing, false))
    }

    /// Starts the next element of the container at `level` (1 is the outermost): a comma after the
    /// first, and `key` with its colon in an object.
    func element(at level: Int, key: String?) throws {
        close(deeperThan: level)
        guard open.count == level else {
            throw EncodingError.invalidValue(
                key ?? "", .init(codingPath: [], debugDescription: "A container was written to after it was left."))
        }
        if open[level - 1].hasElement { bytes.append(UInt8(ascii: ",")) }
        open[level - 1].hasElement = true
        if let key {
            string(key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    /// Any value of a container at `depth` containers: Swift's and Foundation's types as `JSONEncoder`
    /// spells them (dates as `Outbox` payloads always had them), others through their `encode(to:)`
    /// (`{}` when that writes nothing).
    func value<T: Encodable>(_ value: T, depth: Int) throws {
        // Metatype comparisons first: far cheaper than dynamic casts on an unspecialised `T`.
        if T.self == String.self {
            string(value as! String)
        } else if T.self == Double.self {
            try double(value as! Double)
        } else if T.self == Date.self {
            date(value as! Date)
        } else if T.self == UUID.self {
            uuid(value as! UUID)
        } else if T.self == Int.self {
            ascii(String(value as! Int))
        } else if T.self == Bool.self {
            ascii(value as! Bool ? "true" : "false")
        } else if let integer = value as? any FixedWidthInteger {
            ascii("\(integer)")
        } else if T.self == Float.self {
            let number = value as! Float
            guard number.isFinite else { return try double(Double(number)) }
            ascii(number == number.rounded() ? String(Int64(number)) : number.description)
        } else if T.self == URL.self {
            string((value as! URL).absoluteString)
        } else if T.self == Data.self {
            string((value as! Data).base64EncodedString())
        } else {
            let start = bytes.count
            try value.encode(to: PayloadValueEncoder(writer: self, depth: depth, type: T.self))
            close(deeperThan: depth)
            if bytes.count == start { ascii("{}") }
        }
    }

    func ascii(_ text: String) { bytes.append(contentsOf: text.utf8) }

    func double(_ number: Double) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: [], debugDescription: "\(number) is not JSON."))
        }
        if number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
            ascii(String(Int64(number)))
        } else {
            ascii(number.description)
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: text.utf8)
        } else {
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): ascii("\\\"")
                case UInt8(ascii: "\\"): ascii("\\\\")
                case UInt8(ascii: "\n"): ascii("\\n")
                case UInt8(ascii: "\r"): ascii("\\r")
                case UInt8(ascii: "\t"): ascii("\\t")
                case 0..<0x20:
                    bytes += Array("\\u00".utf8) + [Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]]
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A UUID as its `uuidString` (upper-case hex), without the `sprintf` Foundation formats it with.
    func uuid(_ uuid: UUID) {
        bytes.append(UInt8(ascii: "\""))
        uuid.withText(uppercase: true) { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `yyyy-MM-ddTHH:mm:ssZ` in UTC, the second truncated, as `JSONEncoder`'s `.iso8601`.
    func date(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let time = seconds - days * 86_400
        let (year, month, day) = CivilDate.date(daysSince1970: days)
        bytes.append(UInt8(ascii: "\""))
        for (value, width, separator) in [
            (year, 4, "-"), (month, 2, "-"), (day, 2, "T"), (time / 3_600, 2, ":"), (time / 60 % 60, 2, ":"),
            (time % 60, 2, "Z"),
        ] {
            let text = String(value)
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, width - text.utf8.count)))
            ascii(text)
            ascii(separator)
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// The `Encoder` a value of `type` writes itself through; its container opens at `depth`.
struct PayloadValueEncoder: Encoder {
    let writer: PayloadWriter
    let depth: Int
    let type: Any.Type?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        writer.begin(UInt8(ascii: "{"), UInt8(ascii: "}"), at: depth)
        return KeyedEncodingContainer(PayloadKeyedContainer(writer: writer, level: depth + 1))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        writer.begin(UInt8(ascii: "["), UInt8(ascii: "]"), at: depth)
        return PayloadUnkeyedContainer(writer: writer, level: depth + 1)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        PayloadSingleValue(writer: writer, depth: depth, type: type)
    }
}

/// An object's members.
struct PayloadKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: PayloadWriter
    let level: Int
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        try writer.element(at: level, key: key.stringValue)
        writer.ascii("null")
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try writer.element(at: level, key: key.stringValue)
        try writer.value(value, depth: level)
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        try writer.element(at: level, key: key.stringValue)
        writer.string(value)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        try writer.element(at: level, key: key.stringValue)
        try writer.double(value)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        try writer.element(at: level, key: key.stringValue)
        writer.ascii(String(value))
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try writer.element(at: level, key: key.stringValue)
        writer.ascii(value ? "true" : "false")
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        try? writer.element(at: level, key: key.stringValue)
        return PayloadValueEncoder(writer: writer, depth: level, type: nil).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        try? writer.element(at: level, key: key.stringValue)
        return PayloadValueEncoder(writer: writer, depth: level, type: nil).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        try? writer.element(at: level, key: key.stringValue)
        return PayloadValueEncoder(writer: writer, depth: level, type: nil)
    }
}

/// An array's elements.
struct PayloadUnkeyedContainer: UnkeyedEncodingContainer {
    let writer: PayloadWriter
    let level: Int
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    init(writer: PayloadWriter, level: Int) {
        self.writer = writer
        self.level = level
    }

    mutating func encodeNil() throws {
        try writer.element(at: level, key: nil)
        writer.ascii("null")
        count += 1
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try writer.element(at: level, key: nil)
        try writer.value(value, depth: level)
        count += 1
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        try? writer.element(at: level, key: nil)
        count += 1
        return PayloadValueEncoder(writer: writer, depth: level, type: nil).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        try? writer.element(at: level, key: nil)
        count += 1
        return PayloadValueEncoder(writer: writer, depth: level, type: nil).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        try? writer.element(at: level, key: nil)
        count += 1
        return PayloadValueEncoder(writer: writer, depth: level, type: nil)
    }
}

/// A value on its own.
struct PayloadSingleValue: SingleValueEncodingContainer {
    let writer: PayloadWriter
    let depth: Int
    /// The type writing itself: one that writes itself as itself is a primitive `value` does not know.
    let type: Any.Type?
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws {
        writer.close(deeperThan: depth)
        writer.ascii("null")
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        guard T.self != type else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: [], debugDescription: "\(T.self) is not supported."))
        }
        writer.close(deeperThan: depth)
        try writer.value(value, depth: depth)
    }
}
