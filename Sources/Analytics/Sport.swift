/// The sports Stamina knows, as stable lowercase identifiers on the wire.
///
/// The list follows the sports of the FIT profile that athletes actually record; `other` covers the
/// rest so no workout is refused for its sport.
public enum Sport: String, Codable, Sendable, CaseIterable {
    case running
    case trailRunning = "trail_running"
    case cycling
    case mountainBiking = "mountain_biking"
    case walking
    case hiking
    case swimming
    case rowing
    case crossCountrySkiing = "cross_country_skiing"
    case alpineSkiing = "alpine_skiing"
    case strength
    case yoga
    case other
}
