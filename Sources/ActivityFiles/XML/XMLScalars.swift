import CivilTime
import Foundation

/// Parsing of the scalar values activity files hold (decimals, ISO 8601 timestamps) straight from
/// bytes, without making Strings on the common path.
public enum XMLScalars {
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    @inline(__always)
    private static func digit(_ byte: UInt8) -> Int? {
        let value = Int(byte) &- 48
        return value >= 0 && value <= 9 ? value : nil
    }

    /// 10⁰…10²², all exact. A literal, so that the compiler lays the table out statically: computed
    /// with `pow`, every number parsed paid for a lazy-initialisation check.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// The value of an `xsd:decimal` or `xsd:double` written in plain or exponent notation, with
    /// surrounding whitespace. Nil for anything else (including `NaN` and `INF`, which no field of
    /// an activity can hold).
    ///
    /// A mantissa of up to 53 bits (about 15 digits, trailing zeros aside) with an exponent within
    /// ±22 is exact by Clinger's fast path. Longer mantissas, such as the 20-digit coordinates Garmin
    /// Connect writes, keep their first 19 digits and round twice, which stays within a unit or two
    /// in the last place: far below any device's precision, and much faster than `strtod`. Larger
    /// exponents fall back to `strtod`.
    static func double(_ buffer: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        var end = buffer.count
        while index < end, isSpace(buffer[index]) { index += 1 }
        while end > index, isSpace(buffer[end - 1]) { end -= 1 }
        guard index < end else { return nil }
        let start = index
        var negative = false
        if buffer[index] == UInt8(ascii: "-") || buffer[index] == UInt8(ascii: "+") {
            negative = buffer[index] == UInt8(ascii: "-")
            index += 1
        }
        var mantissa: UInt64 = 0
        var kept = 0
        var digits = 0
        var exponent = 0
        var inFraction = false
        while index < end {
            let byte = buffer[index]
            if let value = digit(byte) {
                digits += 1
                if mantissa == 0 && value == 0 {
                    if inFraction { exponent -= 1 }
                } else if kept < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(value)
                    kept += 1
                    if inFraction { exponent -= 1 }
                } else if !inFraction {
                    exponent += 1
                }
            } else if byte == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else {
                break
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        if index < end, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < end, buffer[index] == UInt8(ascii: "-") || buffer[index] == UInt8(ascii: "+") {
                exponentNegative = buffer[index] == UInt8(ascii: "-")
                index += 1
            }
            var value = 0
            var exponentDigits = 0
            while index < end, let next = digit(buffer[index]) {
                if value < 100_000 { value = value * 10 + next }
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += exponentNegative ? -value : value
        }
        guard index == end else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        if mantissa >= 1 << 53 || exponent < -22 {
            while mantissa % 10 == 0 {
                mantissa /= 10
                exponent += 1
            }
        }
        if abs(exponent) <= 22 {
            var result = Double(mantissa)
            result = exponent < 0 ? result / powersOfTen[-exponent] : result * powersOfTen[exponent]
            return negative ? -result : result
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self)
        guard let result = Double(text), result.isFinite else { return nil }
        return result
    }

    /// Seconds since 1970 of an ISO 8601 / `xsd:dateTime` timestamp: `YYYY-MM-DDTHH:MM:SS`, optional
    /// fractional seconds of any length, then `Z`, an offset (`+02:00`, `+0200`, `+02`) or nothing
    /// (read as UTC, which GPX and TCX prescribe). Nil when the text is not such a timestamp.
    static func timestamp(_ buffer: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        var end = buffer.count
        while index < end, isSpace(buffer[index]) { index += 1 }
        while end > index, isSpace(buffer[end - 1]) { end -= 1 }

        func number(_ count: Int) -> Int? {
            guard index + count <= end else { return nil }
            var value = 0
            for offset in 0..<count {
                guard let next = digit(buffer[index + offset]) else { return nil }
                value = value * 10 + next
            }
            index += count
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < end, buffer[index] == byte else { return false }
            index += 1
            return true
        }

        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2)
        else { return nil }
        guard index < end,
            buffer[index] == UInt8(ascii: "T") || buffer[index] == UInt8(ascii: "t")
                || buffer[index] == UInt8(ascii: " ")
        else { return nil }
        index += 1
        guard let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2), expect(UInt8(ascii: ":")),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour <= 24, minute <= 59, second <= 60 else {
            return nil
        }
        var fraction = 0.0
        if index < end, buffer[index] == UInt8(ascii: ".") || buffer[index] == UInt8(ascii: ",") {
            index += 1
            var scale = 0.1
            var digits = 0
            while index < end, let next = digit(buffer[index]) {
                fraction += Double(next) * scale
                scale *= 0.1
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
        }
        var offsetSeconds = 0
        if index < end {
            let sign = buffer[index]
            if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                index += 1
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                index += 1
                guard let offsetHours = number(2), offsetHours <= 23 else { return nil }
                var offsetMinutes = 0
                if index < end {
                    _ = expect(UInt8(ascii: ":"))
                    guard let minutes = number(2), minutes <= 59 else { return nil }
                    offsetMinutes = minutes
                }
                offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
            }
        }
        guard index == end else { return nil }
        let days = CivilDate.daysSince1970(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Double(seconds) + fraction
    }
}
