import ActivityFiles
import Testing

@Test("a new track is empty and remembers its format", arguments: ActivityFileFormat.allCases)
func newTrack(format: ActivityFileFormat) {
    let track = Track(format: format)
    #expect(track.format == format)
    #expect(track.points.isEmpty && track.laps.isEmpty && track.timerEvents.isEmpty)
}
