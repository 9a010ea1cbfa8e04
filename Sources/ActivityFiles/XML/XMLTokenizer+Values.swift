import Foundation

extension XMLTokenizer {
    /// The current element's text as a number; nil when empty or not a number (the caller drops
    /// the field). Consumes the element.
    mutating func elementDouble() throws(ActivityFileError) -> Double? {
        let text = try elementText()
        return withBytes(of: text) { XMLScalars.double($0) }
    }

    /// The current element's text as seconds since 1970, or the text itself when it is not a
    /// timestamp (for messages). Consumes the element.
    mutating func elementTimestamp() throws(ActivityFileError) -> Result<Double, TimestampError> {
        let text = try elementText()
        if let seconds = withBytes(of: text, { XMLScalars.timestamp($0) }) { return .success(seconds) }
        return .failure(TimestampError(text: string(text) ?? "", line: currentLine))
    }

    /// The current element's text, trimmed; nil when blank. Consumes the element.
    mutating func elementString() throws(ActivityFileError) -> String? {
        string(try elementText())
    }

    /// The value of an attribute as a number; nil when absent or not a number.
    @inline(__always)
    func attributeDouble(_ name: StaticString) throws(ActivityFileError) -> Double? {
        guard let text = try attribute(name) else { return nil }
        return withBytes(of: text) { XMLScalars.double($0) }
    }
}

/// A time element whose text is not an ISO 8601 timestamp.
struct TimestampError: Error, Sendable {
    var text: String
    var line: Int
}
