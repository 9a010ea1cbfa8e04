extension Sport {
    /// Maps the sport and sub-sport a file names (FIT profile `sport`/`sub_sport` enums lowercased with
    /// underscores, GPX `type`, TCX `Sport` attribute) to a Stamina sport; anything unknown is `other`.
    ///
    /// Matching is case-insensitive and treats spaces, hyphens and underscores alike, so `"Running"`,
    /// `"trail running"` and `"trail_running"` all work. The sub-sport refines the sport (`cycling` +
    /// `mountain` → ``mountainBiking``); e-bikes map to their non-assisted counterparts.
    public init(fileSport: String?, subSport: String? = nil) {
        let sport = Self.normalized(fileSport)
        let sub = Self.normalized(subSport)
        switch sport {
        case "running", "run", "trail_running", "treadmill_running":
            self = sport == "trail_running" || sub == "trail" ? .trailRunning : .running
        case "cycling", "biking", "bike", "ride", "road_biking", "e_biking", "virtual_ride", "indoor_cycling":
            switch sub {
            case "mountain", "downhill", "e_bike_mountain", "enduro": self = .mountainBiking
            default: self = .cycling
            }
        case "mountain_biking", "mountain_bike", "mtb": self = .mountainBiking
        case "walking", "walk", "indoor_walking": self = .walking
        case "hiking", "hike", "mountaineering": self = .hiking
        case "swimming", "swim", "lap_swimming", "open_water_swimming": self = .swimming
        case "rowing", "row", "indoor_rowing": self = .rowing
        case "cross_country_skiing", "nordic_skiing", "skate_skiing", "backcountry_skiing":
            self = .crossCountrySkiing
        case "alpine_skiing", "downhill_skiing", "snowboarding": self = .alpineSkiing
        case "strength", "strength_training", "weight_training": self = .strength
        case "yoga": self = .yoga
        case "training", "fitness_equipment":
            switch sub {
            case "strength_training": self = .strength
            case "yoga", "pilates": self = .yoga
            case "indoor_cycling": self = .cycling
            case "indoor_rowing": self = .rowing
            case "treadmill": self = .running
            case "indoor_walking": self = .walking
            default: self = .other
            }
        default: self = .other
        }
    }

    private static func normalized(_ name: String?) -> String {
        guard let name else { return "" }
        var result = ""
        var lastWasSeparator = false
        for scalar in name.unicodeScalars {
            if scalar == " " || scalar == "-" || scalar == "_" {
                if !lastWasSeparator && !result.isEmpty { result.append("_") }
                lastWasSeparator = true
            } else {
                // ASCII lowercasing only: Turkish-locale rules must not change identifiers.
                let value = scalar.value
                result.unicodeScalars.append(
                    (65...90).contains(value) ? Unicode.Scalar(value + 32)! : scalar)
                lastWasSeparator = false
            }
        }
        return result
    }
}
