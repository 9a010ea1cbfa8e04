import Accounts
import Activities
import Analytics
import Foundation

/// Answers Activities' questions about an athlete from the Accounts profile.
struct AccountsAthleteDirectory: AthleteDirectory {
    let accounts: AccountService
    let now: @Sendable () -> Date

    func athlete(userID: UUID) async throws -> AthleteProfile? {
        guard let user = try await accounts.user(id: userID) else { return nil }
        let settings = AthleteSettings(
            weight: user.weight, age: user.dob.flatMap { Self.age(dob: $0, at: now()) },
            sex: user.gender.flatMap { AthleteSettings.Sex(rawValue: $0.rawValue) },
            maxHeartRate: user.zones.maxHeartRate.map(Double.init),
            restingHeartRate: user.zones.restingHeartRate.map(Double.init),
            thresholdHeartRate: user.zones.thresholdHeartRate.map(Double.init),
            functionalThresholdPower: user.zones.functionalThresholdPower.map(Double.init))
        return AthleteProfile(
            defaultVisibility: ActivityVisibility(rawValue: user.defaultVisibility.rawValue) ?? .private,
            timeZone: user.timeZone,
            settings: settings)
    }

    /// Whole years from a `YYYY-MM-DD` birth date to `date` (UTC).
    static func age(dob: String, at date: Date) -> Double? {
        let parts = dob.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        let today = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        guard let year = today.year, let month = today.month, let day = today.day else { return nil }
        let hadBirthday = (month, day) >= (parts[1], parts[2])
        return Double(year - parts[0] - (hadBirthday ? 0 : 1))
    }
}
