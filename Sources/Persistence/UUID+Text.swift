import Foundation

extension UUID {
    /// The UUID's 36-character text, lower-case (as SQLite stores it) or upper-case (`uuidString`),
    /// formatted on the stack: `uuidString` formats with `snprintf` and allocates, which made up
    /// most of binding a UUID (about 1 µs), once or more for every live point and outbox event.
    public func withText<Result>(
        uppercase: Bool = false, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result
    ) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { text in
            let digits = uppercase ? UUID.upperDigits : UUID.lowerDigits
            var index = 0
            withUnsafeBytes(of: uuid) { bytes in
                for (position, byte) in bytes.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        text[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    text[index] = digits[Int(byte >> 4)]
                    text[index + 1] = digits[Int(byte & 0xF)]
                    index += 2
                }
            }
            return try body(UnsafeBufferPointer(text))
        }
    }

    /// The lower-case text, as SQLite stores UUIDs.
    public var lowercasedText: String {
        withText { String(decoding: $0, as: UTF8.self) }
    }

    private static let lowerDigits: StaticString = "0123456789abcdef"
    private static let upperDigits: StaticString = "0123456789ABCDEF"
}

extension StaticString {
    fileprivate subscript(_ index: Int) -> UInt8 { utf8Start[index] }
}
