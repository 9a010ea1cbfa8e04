import CivilTime
import Foundation
import NIOCore

/// Rows in PostgreSQL's `COPY … FROM STDIN (FORMAT text)` encoding: tab-separated, `\N` for NULL,
/// backslash escapes in text, timestamps as UTC `YYYY-MM-DD HH:MM:SS.ffffff+00`.
enum CopyText {
    static func append(_ row: [SQLValue], to buffer: inout ByteBuffer) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            append(value, to: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    static func append(_ value: SQLValue, to buffer: inout ByteBuffer) {
        switch value {
        case .null: buffer.writeStaticString("\\N")
        case .integer(let value): buffer.writeString(String(value))
        case .real(let value): buffer.writeString(value.isFinite ? "\(value)" : "NaN")
        case .bool(let value): buffer.writeStaticString(value ? "t" : "f")
        case .uuid(let value): value.withText { _ = buffer.writeBytes($0) }
        case .date(let value): appendTimestamp(value, to: &buffer)
        case .text(let value), .json(let value): appendEscaped(value, to: &buffer)
        case .blob(let value):
            buffer.writeStaticString("\\\\x")
            for byte in value { buffer.writeString(String(byte, radix: 16).leftPadded(to: 2)) }
        }
    }

    static func appendEscaped(_ text: String, to buffer: inout ByteBuffer) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    /// Formats a UTC timestamp with microseconds without Foundation's (slow) formatters.
    static func appendTimestamp(_ date: Date, to buffer: inout ByteBuffer) {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let days = micros >= 0 ? micros / 86_400_000_000 : (micros - 86_399_999_999) / 86_400_000_000
        let microsOfDay = micros - days * 86_400_000_000
        let date = CivilDate.date(daysSince1970: Int(days))
        let seconds = microsOfDay / 1_000_000
        write(Int64(date.year), digits: 4, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "-"))
        write(Int64(date.month), digits: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "-"))
        write(Int64(date.day), digits: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        write(seconds / 3600, digits: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        write(seconds / 60 % 60, digits: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        write(seconds % 60, digits: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "."))
        write(microsOfDay % 1_000_000, digits: 6, to: &buffer)
        buffer.writeStaticString("+00")
    }

    private static func write(_ value: Int64, digits: Int, to buffer: inout ByteBuffer) {
        var divisor: Int64 = 1
        for _ in 1..<digits { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
