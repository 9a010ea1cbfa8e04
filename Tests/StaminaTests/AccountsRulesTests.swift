import Foundation
import Testing

@testable import Accounts

@Suite("Accounts rules")
struct AccountsRulesTests {
    @Test(
        "calendar days are checked for real dates",
        arguments: [
            ("2024-02-29", true), ("2023-02-29", false), ("1900-02-29", false), ("2000-02-29", true),
            ("2026-04-31", false), ("2026-12-31", true), ("2026-1-05", false), ("2026-13-01", false),
            ("abcd-ef-gh", false),
        ])
    func calendarDays(day: String, valid: Bool) {
        #expect(FieldRules.isDay(day) == valid)
    }

    @Test("a login limiter refuses a key after its allowance until the window ends")
    func rateLimiterWindow() {
        let limiter = LoginRateLimiter(limit: .init(attempts: 2, window: 60))
        let start = Date(timeIntervalSince1970: 1_000_000)
        limiter.record("ann", now: start)
        #expect(limiter.retryAfter("ann", now: start) == nil)
        limiter.record("ann", now: start.addingTimeInterval(1))
        #expect(limiter.retryAfter("ann", now: start.addingTimeInterval(10)) == 50)
        #expect(limiter.retryAfter("bob", now: start.addingTimeInterval(10)) == nil)
        #expect(limiter.retryAfter("ann", now: start.addingTimeInterval(61)) == nil)
        limiter.record("ann", now: start.addingTimeInterval(70))
        #expect(limiter.retryAfter("ann", now: start.addingTimeInterval(70)) == nil)
        limiter.reset("ann")
    }

    @Test("a merge patch changes only what it names and reports the changed fields")
    func profilePatch() throws {
        var user = User(id: UUID(), email: "a@b.co", name: "A", createdAt: Date(timeIntervalSince1970: 0))
        let later = Date(timeIntervalSince1970: 100)
        let changed = try user.apply(patch: ["name": .string("  Ann  "), "height": .number(1.8)], now: later)
        #expect(changed == ["name", "height"])
        #expect(user.name == "Ann")
        #expect(user.updatedAt == later)
        #expect(try user.apply(patch: ["name": .string("Ann")], now: Date()) == [])
        #expect(throws: AccountsError.self) { try user.apply(patch: ["name": .null], now: later) }
        #expect(user.name == "Ann")
    }
}
