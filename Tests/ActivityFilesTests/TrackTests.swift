import ActivityFiles
import Foundation
import Testing

@Test("a new track is empty and remembers its format", arguments: ActivityFileFormat.allCases)
func newTrack(format: ActivityFileFormat) {
    let track = Track(format: format)
    #expect(track.format == format)
    #expect(track.points.isEmpty && track.laps.isEmpty && track.timerEvents.isEmpty)
}

@Test("points sharing a time merge into one, the first values winning and later ones filling gaps")
func mergingDuplicateTimes() {
    var track = Track(format: .gpx)
    var first = TrackPoint(time: .init(timeIntervalSince1970: 10))
    first.heartRate = 120
    var same = TrackPoint(time: .init(timeIntervalSince1970: 10))
    same.heartRate = 150
    same.altitude = 400
    let earlier = TrackPoint(time: .init(timeIntervalSince1970: 5))
    track.points = [first, same, earlier]
    let merged = track.mergingDuplicateTimes().points
    #expect(merged.map(\.time.timeIntervalSince1970) == [5, 10])
    #expect(merged[1].heartRate == 120)
    #expect(merged[1].altitude == 400)
}
