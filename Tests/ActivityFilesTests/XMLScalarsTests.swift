import CivilTime
import Foundation
import Testing

@testable import ActivityFiles

private func double(_ text: String) -> Double? {
    Array(text.utf8).withUnsafeBufferPointer { XMLScalars.double($0) }
}

private func timestamp(_ text: String) -> Double? {
    Array(text.utf8).withUnsafeBufferPointer { XMLScalars.timestamp($0) }
}

@Suite("XML scalar parsing")
struct XMLScalarsTests {
    @Test(
        "decimals parse exactly as Swift parses them",
        arguments: [
            "0", "-0", "1", "+2.5", "47.3615", "-122.084", " 12.75\n", "0.000001", "1e3", "2.5E-4", "123456789012345",
            "0.1", "5.", ".5", "00042.0100", "47.361500000000000", "9007199254740993", "1e-30", "6.02e23",
        ])
    func exactDecimals(text: String) {
        #expect(double(text) == Double(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test(
        "long mantissas stay within two units in the last place",
        arguments: [
            "47.36150002479553222656", "8.55000012181699275970", "-33.123456789012345678901", "1234.5678901234567890",
        ])
    func longDecimals(text: String) throws {
        let expected = try #require(Double(text))
        let parsed = try #require(double(text))
        #expect(abs(parsed - expected) <= 2 * expected.ulp)
    }

    @Test(
        "text that is not a number gives nil",
        arguments: ["", " ", "abc", "1.2.3", "NaN", "inf", "-", "1e", "12a", "0x10"])
    func notNumbers(text: String) {
        #expect(double(text) == nil)
    }

    @Test(
        "ISO 8601 timestamps with fractions, Z, offsets or no zone",
        arguments: [
            ("2024-05-01T06:30:00Z", 1_714_545_000.0), ("2024-05-01T06:30:00.250Z", 1_714_545_000.25),
            ("2024-05-01T08:30:00+02:00", 1_714_545_000), ("2024-05-01T01:30:00-0500", 1_714_545_000),
            ("2024-05-01T06:30:00", 1_714_545_000), ("2024-05-01T07:30:00.5+01", 1_714_545_000.5),
            ("1970-01-01T00:00:00Z", 0), ("2000-02-29T12:00:00Z", 951_825_600),
            (" 2024-05-01t06:30:00z ", 1_714_545_000),
        ])
    func timestamps(text: String, seconds: Double) {
        #expect(timestamp(text).map { abs($0 - seconds) < 1e-6 } == true)
    }

    @Test(
        "malformed timestamps give nil",
        arguments: [
            "", "2024-05-01", "2024-13-01T00:00:00Z", "2024-05-01T25:00:00Z", "2024-05-01T06:30Z", "yesterday",
            "2024-05-01T06:30:00.Z", "2024-05-01T06:30:00Zjunk",
        ])
    func badTimestamps(text: String) {
        #expect(timestamp(text) == nil)
    }

    @Test("civil dates and day counts convert both ways", arguments: [-800_000, -1, 0, 1, 11_016, 19_844, 2_932_896])
    func civilRoundTrip(days: Int) {
        let date = CivilDate.date(daysSince1970: days)
        #expect(CivilDate.daysSince1970(year: date.year, month: date.month, day: date.day) == days)
    }
}
