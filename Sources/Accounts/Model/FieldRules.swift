import Foundation

/// Checks of single fields, shared by registration, profile updates and goals.
enum FieldRules {
    static let maxNameLength = 100
    static let maxEmailLength = 254

    /// A trimmed display name of 1…100 characters.
    static func name(_ value: String, pointer: String, issues: inout [FieldIssue]) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > maxNameLength {
            issues.append(FieldIssue(pointer, "must be 1 to \(maxNameLength) characters"))
        }
        return trimmed
    }

    /// A lowercased address of the form `local@domain.tld`, at most 254 characters.
    static func email(_ value: String, pointer: String, issues: inout [FieldIssue]) -> String {
        let email = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid =
            email.count <= maxEmailLength && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !email.contains(where: { $0.isWhitespace || $0.isNewline || $0 == "," })
        if !valid {
            issues.append(FieldIssue(pointer, "must be an e-mail address of at most \(maxEmailLength) characters"))
        }
        return email
    }

    /// A calendar day `YYYY-MM-DD` between `earliest` and `latest` (inclusive), both in that form.
    static func day(_ value: String, pointer: String, earliest: String, latest: String, issues: inout [FieldIssue]) {
        guard isDay(value) else {
            issues.append(FieldIssue(pointer, "must be a date of the form YYYY-MM-DD"))
            return
        }
        if value < earliest || value > latest {
            issues.append(FieldIssue(pointer, "must be between \(earliest) and \(latest)"))
        }
    }

    /// Whether `value` is a real calendar day written `YYYY-MM-DD`.
    static func isDay(_ value: String) -> Bool {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        guard value.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            parts[0].count == 4, parts[1].count == 2, parts[2].count == 2, (1...12).contains(month), day >= 1
        else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    }

    /// Today's date in UTC as `YYYY-MM-DD`.
    static func today(_ now: Date) -> String {
        now.formatted(.iso8601.year().month().day())
    }

    static func range<T: Comparable>(
        _ value: T, _ range: ClosedRange<T>, pointer: String, unit: String, issues: inout [FieldIssue]
    ) {
        if !range.contains(value) {
            issues.append(FieldIssue(pointer, "must be between \(range.lowerBound) and \(range.upperBound) \(unit)"))
        }
    }

    /// An IANA time zone name the system knows.
    static func timeZone(_ value: String, pointer: String, issues: inout [FieldIssue]) {
        if value.count > 64 || TimeZone(identifier: value) == nil {
            issues.append(FieldIssue(pointer, "must be an IANA time zone name such as Europe/Berlin"))
        }
    }
}
