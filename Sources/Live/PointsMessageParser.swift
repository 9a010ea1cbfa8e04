import CivilTime
import Foundation
import HTTPAPI

/// Reads the message a device sends most, `{"type":"points","points":[{…}, …]}`, without
/// `JSONDecoder`, which took about a tenth of the server's CPU under load.
///
/// A fast path only: it accepts exactly the messages it can read to the same values `JSONDecoder`
/// would (any order of members and whitespace; numbers through the same correctly rounded
/// conversion; times through `Timestamp.parse`) and gives up, returning nil, on anything else: an
/// other type, an unknown or repeated member, a string with an escape, a number that is not an
/// integer where one is expected, malformed JSON. The caller then decodes the message the general
/// way, which also words the error.
struct PointsMessageParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The points of a `points` message, or nil when the general decoder must read `text`.
    static func points(_ text: String) -> [WirePoint]? {
        var text = text
        return text.withUTF8 { bytes in
            var parser = PointsMessageParser(bytes: bytes)
            return parser.message()
        }
    }

    private mutating func message() -> [WirePoint]? {
        var type: String?
        var points: [WirePoint]?
        let complete = object { parser, key in
            switch key {
            case "type" where type == nil:
                type = parser.string()
                return type != nil
            case "points" where points == nil:
                points = parser.pointArray()
                return points != nil
            default:
                return false
            }
        }
        skipWhitespace()
        guard complete, index == bytes.count, type == "points" else { return nil }
        return points
    }

    private mutating func pointArray() -> [WirePoint]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var points: [WirePoint] = []
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return points }
        repeat {
            guard let point = point() else { return nil }
            points.append(point)
            skipWhitespace()
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? points : nil
    }

    private mutating func point() -> WirePoint? {
        var seq: Int64?
        var time: Date?
        var values = [Double?](repeating: nil, count: Self.valueKeys.count)
        var seen = [Bool](repeating: false, count: Self.valueKeys.count)
        let complete = object { parser, key in
            switch key {
            case "seq" where seq == nil:
                seq = parser.integer()
                return seq != nil
            case "time" where time == nil:
                time = parser.string().flatMap(Timestamp.parse)
                return time != nil
            default:
                guard let field = Self.valueKeys.firstIndex(of: key), !seen[field] else { return false }
                seen[field] = true
                if parser.literal("null") { return true }
                values[field] = parser.number()
                return values[field] != nil
            }
        }
        guard complete, let seq, let time else { return nil }
        return WirePoint(
            seq: seq, time: time, latitude: values[0], longitude: values[1], altitude: values[2], distance: values[3],
            speed: values[4], heartRate: values[5], cadence: values[6], power: values[7], temperature: values[8])
    }

    /// The optional number members of a point, in `WirePoint`'s order.
    static let valueKeys = [
        "latitude", "longitude", "altitude", "distance", "speed", "heartRate", "cadence", "power", "temperature",
    ]

    /// Reads `{ "key": value, … }`, handing each key to `member`, which reads the value and says
    /// whether it could.
    private mutating func object(_ member: (inout PointsMessageParser, String) -> Bool) -> Bool {
        skipWhitespace()
        guard take(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return true }
        repeat {
            skipWhitespace()
            guard let key = string() else { return false }
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard member(&self, key) else { return false }
            skipWhitespace()
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// A string without escapes or control characters.
    private mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            guard byte != UInt8(ascii: "\\"), byte >= 0x20 else { return nil }
            index += 1
        }
        return nil
    }

    /// An integer: an optional minus and up to 18 digits, without fraction or exponent.
    private mutating func integer() -> Int64? {
        let negative = take(UInt8(ascii: "-"))
        let start = index
        var value: Int64 = 0
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            value = value &* 10 &+ Int64(digit)  // checked below: at most 18 digits
            index += 1
        }
        let count = index - start
        guard count > 0, count <= 18, count == 1 || bytes[start] != UInt8(ascii: "0"),
            index == bytes.count || !Self.continuesNumber(bytes[index])
        else { return nil }
        return negative ? -value : value
    }

    /// A JSON number, converted by the standard library's correctly rounded parser.
    private mutating func number() -> Double? {
        let start = index
        _ = take(UInt8(ascii: "-"))
        guard digits(leadingZeroAlone: true) else { return nil }
        if take(UInt8(ascii: ".")), !digits(leadingZeroAlone: false) { return nil }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
            guard digits(leadingZeroAlone: false) else { return nil }
        }
        let text = Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// One or more digits; with `leadingZeroAlone`, a leading zero must stand alone (JSON's rule
    /// for the integer part).
    private mutating func digits(leadingZeroAlone: Bool) -> Bool {
        let start = index
        while index < bytes.count, Self.digit(bytes[index]) != nil { index += 1 }
        guard index > start else { return false }
        return !leadingZeroAlone || index - start == 1 || bytes[start] != UInt8(ascii: "0")
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count,
            memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
        else { return false }
        index += count
        return true
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private static func digit(_ byte: UInt8) -> UInt8? {
        byte &- UInt8(ascii: "0") < 10 ? byte &- UInt8(ascii: "0") : nil
    }

    /// Whether `byte` would make an integer a longer number (a fraction or an exponent).
    private static func continuesNumber(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e") || digit(byte) != nil
    }
}
