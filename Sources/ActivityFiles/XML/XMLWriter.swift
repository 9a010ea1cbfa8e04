import CivilTime
import Foundation

/// Appends XML to a byte buffer: markup verbatim, text escaped, numbers in plain decimal notation
/// (XML Schema's `xsd:decimal` has no exponent) and times as UTC ISO 8601.
public struct XMLWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func append(_ markup: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: markup.utf8Start, count: markup.utf8CodeUnitCount))
    }

    /// Text or an attribute value, with `& < > " '` escaped.
    mutating func appendEscaped(_ text: String) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): append("&amp;")
            case UInt8(ascii: "<"): append("&lt;")
            case UInt8(ascii: ">"): append("&gt;")
            case UInt8(ascii: "\""): append("&quot;")
            case UInt8(ascii: "'"): append("&apos;")
            default: bytes.append(byte)
            }
        }
    }

    /// `<name>escaped text</name>`.
    mutating func appendElement(_ open: StaticString, _ text: String, _ close: StaticString) {
        append(open)
        appendEscaped(text)
        append(close)
    }

    mutating func appendInteger(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendUnsigned(UInt64(-value), minimumDigits: 1)
        } else {
            appendUnsigned(UInt64(value), minimumDigits: 1)
        }
    }

    /// `value` between two pieces of markup, such as an element's tags (`<hr>`, `</hr>`); nothing
    /// when `value` is nil.
    mutating func appendInteger(_ value: Int?, between open: StaticString, and close: StaticString) {
        guard let value else { return }
        append(open)
        appendInteger(value)
        append(close)
    }

    /// `value` as `appendDecimal(_:fractionDigits:)` writes it, between two pieces of markup;
    /// nothing when `value` is nil.
    mutating func appendDecimal(
        _ value: Double?, fractionDigits: Int, between open: StaticString, and close: StaticString
    ) {
        guard let value else { return }
        append(open)
        appendDecimal(value, fractionDigits: fractionDigits)
        append(close)
    }

    /// `value` rounded to `fractionDigits` decimals, trailing zeros dropped (`12.5`, `47.1234567`, `3`).
    mutating func appendDecimal(_ value: Double, fractionDigits: Int) {
        let scale = pow(10, Double(fractionDigits))
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else {
            // Beyond Int64: no activity value gets here; write the integer part as Swift prints it.
            bytes.append(contentsOf: String(format: "%.0f", value).utf8)
            return
        }
        var units = UInt64(scaled)
        let integerScale = UInt64(scale)
        if value < 0, units != 0 { bytes.append(UInt8(ascii: "-")) }
        appendUnsigned(units / integerScale, minimumDigits: 1)
        units %= integerScale
        guard units != 0 else { return }
        var digits = fractionDigits
        while units % 10 == 0 {
            units /= 10
            digits -= 1
        }
        bytes.append(UInt8(ascii: "."))
        appendUnsigned(units, minimumDigits: digits)
    }

    /// `2024-05-01T06:30:00Z`, with milliseconds when the time has them.
    public mutating func appendTimestamp(_ date: Date) {
        let milliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.toNearestOrAwayFromZero))
        let (secondsTotal, millisecond) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        var seconds = secondsTotal
        var millis = millisecond
        if millis < 0 {
            millis += 1000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let date = CivilDate.date(daysSince1970: days)
        appendUnsigned(UInt64(max(0, date.year)), minimumDigits: 4)
        bytes.append(UInt8(ascii: "-"))
        appendUnsigned(UInt64(date.month), minimumDigits: 2)
        bytes.append(UInt8(ascii: "-"))
        appendUnsigned(UInt64(date.day), minimumDigits: 2)
        bytes.append(UInt8(ascii: "T"))
        appendUnsigned(UInt64(secondOfDay / 3600), minimumDigits: 2)
        bytes.append(UInt8(ascii: ":"))
        appendUnsigned(UInt64(secondOfDay / 60 % 60), minimumDigits: 2)
        bytes.append(UInt8(ascii: ":"))
        appendUnsigned(UInt64(secondOfDay % 60), minimumDigits: 2)
        if millis != 0 {
            bytes.append(UInt8(ascii: "."))
            appendUnsigned(UInt64(millis), minimumDigits: 3)
        }
        bytes.append(UInt8(ascii: "Z"))
    }

    private mutating func appendUnsigned(_ value: UInt64, minimumDigits: Int) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        )
        var count = 0
        var remaining = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            } while remaining != 0 && count < 10
        }
        if remaining != 0 {
            bytes.append(contentsOf: String(value).utf8)
            return
        }
        for _ in count..<max(count, minimumDigits) { bytes.append(UInt8(ascii: "0")) }
        withUnsafeBytes(of: &digits) { buffer in
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }
}
