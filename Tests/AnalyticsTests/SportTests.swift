import Analytics
import Testing

@Test("sport identifiers are stable lowercase wire names")
func sportNames() {
    #expect(Sport(rawValue: "trail_running") == .trailRunning)
    #expect(Sport.allCases.allSatisfy { $0.rawValue == $0.rawValue.lowercased() })
}
