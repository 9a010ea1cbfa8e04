import Analytics
import Foundation

/// What Activities needs to know of an athlete, asked of Accounts through `App`'s wiring.
public struct AthleteProfile: Sendable, Equatable {
    /// Visibility of new activities when an upload does not say.
    public var defaultVisibility: ActivityVisibility
    /// IANA time zone, for the local day of new activities.
    public var timeZone: String
    /// Weight, age, sex and zones for calories and intensity metrics.
    public var settings: AthleteSettings

    public init(defaultVisibility: ActivityVisibility, timeZone: String, settings: AthleteSettings) {
        self.defaultVisibility = defaultVisibility
        self.timeZone = timeZone
        self.settings = settings
    }
}

/// The narrow query protocol through which Activities reads athlete profiles.
public protocol AthleteDirectory: Sendable {
    func athlete(userID: UUID) async throws -> AthleteProfile?
}
