import CivilTime
import Foundation
import HTTPAPI
import Testing

/// The API's timestamps: ISO 8601, with or without fractions and zone, and nothing else.
@Suite("Timestamps")
struct TimestampTests {
    @Test("ISO 8601 date-times parse, with a zone or read as UTC, fractions kept")
    func accepted() {
        #expect(Timestamp.parse("2026-05-01T07:30:00Z")?.timeIntervalSince1970 == 1_777_620_600)
        #expect(Timestamp.parse("2026-05-01T07:30:00.125Z")?.timeIntervalSince1970 == 1_777_620_600.125)
        #expect(Timestamp.parse("2026-05-01T07:30:00+02:00")?.timeIntervalSince1970 == 1_777_613_400)
        #expect(Timestamp.parse("2026-05-01T07:30:00.125")?.timeIntervalSince1970 == 1_777_620_600.125)
        let now = Date(timeIntervalSince1970: 1_790_000_000.5)
        #expect(Timestamp.parse(Timestamp.format(now)) == now)
    }

    @Test(
        "anything around or after the timestamp makes it no timestamp",
        arguments: [
            "2026-05-01T07:30:00Z*", "2026-05-01T07:30:00Zjunk", "2026-05-01T07:30:00.125Z ", " 2026-05-01T07:30:00Z",
            "2026-05-01", "", "yesterday",
        ])
    func refused(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
