import Foundation

/// ISO 8601 timestamps in UTC, with optional fractional seconds.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// The instant `text` names, or nil. The whole text must be the timestamp: Foundation's parse
    /// strategy alone stops at its end and ignores what follows (it took "…T23:38:55Z*").
    public static func parse(_ text: String) -> Date? {
        let whole = text.startIndex..<text.endIndex
        for style in styles {
            if let (end, date) = try? style.consuming(text, startingAt: text.startIndex, in: whole),
                end == text.endIndex
            {
                return date
            }
        }
        return nil
    }

    /// With a time zone (`Z` or an offset), then without one (read as UTC), fractions allowed.
    private static let styles: [Date.ISO8601FormatStyle] = [
        .iso8601, .iso8601.year().month().day().time(includingFractionalSeconds: true),
    ]
}
