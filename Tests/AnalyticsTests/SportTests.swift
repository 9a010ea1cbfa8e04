import Analytics
import Testing

@Test("sport identifiers are stable lowercase wire names")
func sportNames() {
    #expect(Sport(rawValue: "trail_running") == .trailRunning)
    #expect(Sport.allCases.allSatisfy { $0.rawValue == $0.rawValue.lowercased() })
}

@Test(
    "file sport names map to Stamina sports",
    arguments: [
        ("running", nil, Sport.running), ("running", "trail", .trailRunning), ("running", "treadmill", .running),
        ("cycling", nil, .cycling), ("cycling", "mountain", .mountainBiking), ("cycling", "indoor_cycling", .cycling),
        ("cycling", "road", .cycling), ("e_biking", nil, .cycling), ("swimming", "lap_swimming", .swimming),
        ("swimming", "open_water", .swimming), ("walking", nil, .walking), ("hiking", nil, .hiking),
        ("rowing", nil, .rowing), ("training", "strength_training", .strength), ("training", "yoga", .yoga),
        ("cross_country_skiing", nil, .crossCountrySkiing), ("alpine_skiing", nil, .alpineSkiing),
        ("Running", nil, .running), ("Biking", nil, .cycling), ("Other", nil, .other),
        ("trail running", nil, .trailRunning),
        ("MOUNTAIN-BIKING", nil, .mountainBiking), ("golf", nil, .other), (nil, nil, .other), ("", "trail", .other),
    ] as [(String?, String?, Sport)])
func fileSportMapping(sport: String?, subSport: String?, expected: Sport) {
    #expect(Sport(fileSport: sport, subSport: subSport) == expected)
}
