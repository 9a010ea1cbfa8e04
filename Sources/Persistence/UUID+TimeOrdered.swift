import Foundation

extension UUID {
    /// A version 7 UUID (RFC 9562, section 5.7): the Unix time in milliseconds, then a 12-bit
    /// fraction of the millisecond (the RFC's method 3 for sub-millisecond order), then 62 random
    /// bits.
    ///
    /// For identifiers written at a high rate, such as event ids: they sort by creation time, so a
    /// B-tree index on them grows at its right edge instead of at random pages, and one costs a
    /// `getrandom` call, where `UUID()` opens, reads and closes `/dev/urandom` on Linux (measured
    /// at about a third of an outbox append on SQLite).
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        let nanoseconds = UInt64(max(0, date.timeIntervalSince1970) * 1e9)
        let milliseconds = nanoseconds / 1_000_000
        let fraction = (nanoseconds % 1_000_000) * 4_096 / 1_000_000
        var random = SystemRandomNumberGenerator()
        let bits = random.next()
        let high = milliseconds << 16 | 0x7000 | fraction
        let low = bits & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return UUID(
            uuid: (
                UInt8(truncatingIfNeeded: high >> 56), UInt8(truncatingIfNeeded: high >> 48),
                UInt8(truncatingIfNeeded: high >> 40), UInt8(truncatingIfNeeded: high >> 32),
                UInt8(truncatingIfNeeded: high >> 24), UInt8(truncatingIfNeeded: high >> 16),
                UInt8(truncatingIfNeeded: high >> 8), UInt8(truncatingIfNeeded: high),
                UInt8(truncatingIfNeeded: low >> 56), UInt8(truncatingIfNeeded: low >> 48),
                UInt8(truncatingIfNeeded: low >> 40), UInt8(truncatingIfNeeded: low >> 32),
                UInt8(truncatingIfNeeded: low >> 24), UInt8(truncatingIfNeeded: low >> 16),
                UInt8(truncatingIfNeeded: low >> 8), UInt8(truncatingIfNeeded: low)
            ))
    }
}
