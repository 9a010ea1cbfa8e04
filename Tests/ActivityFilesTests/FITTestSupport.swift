import Foundation
import Testing

@testable import ActivityFiles

/// Tracks to encode and helpers to compare decoded tracks within the FIT resolutions.
enum FITSample {
    /// 2021-09-08T01:46:40Z as a FIT timestamp (1_000_000_000 s after the FIT epoch).
    static let start = Date(timeIntervalSince1970: FITProfile.epochOffset + 1_000_000_000)

    /// A run with every record field set, a pause (a 40 s gap, too long for a compressed
    /// timestamp), two laps, timer events, RR intervals, device and session.
    static func run(points count: Int = 60, positions: Bool = true) -> Track {
        var track = Track(format: .fit)
        track.sport = "running"
        track.subSport = "trail"
        track.startTime = start
        track.device = Device(
            manufacturer: "garmin", product: "fenix7", serialNumber: "3950859721", softwareVersion: "12.10")
        var time = start
        for index in 0..<count {
            if index == count / 2 { time += 40 }
            var point = TrackPoint(time: time)
            if positions {
                point.latitude = 46.5 + Double(index) * 1e-4
                point.longitude = 6.6 - Double(index) * 2e-4
            }
            point.altitude = 372.2 + Double(index % 7) * 0.4
            point.distance = Double(index) * 3.21
            point.speed = 3.2 + Double(index % 5) * 0.011
            point.heartRate = Double(120 + index % 40)
            point.cadence = 85 + Double(index % 4) * 0.25
            point.power = Double(200 + index)
            point.temperature = Double(18 - index % 3)
            track.points.append(point)
            time += 1
        }
        let end = track.points.last!.time
        var first = Lap(startTime: start)
        first.elapsedTime = 30
        first.timerTime = 30
        first.distance = 96.3
        first.calories = 12
        first.averageHeartRate = 134
        first.maxHeartRate = 149
        first.trigger = "manual"
        var second = Lap(startTime: start + 30)
        second.elapsedTime = end.timeIntervalSince(start) - 30
        second.timerTime = Double(count) - 30
        second.distance = 93.09
        second.calories = 13
        second.averageHeartRate = 141
        second.maxHeartRate = 159
        second.trigger = "session_end"
        track.laps = [first, second]
        let pause = track.points[count / 2 - 1].time
        track.timerEvents = [
            TimerEvent(time: start, kind: .start), TimerEvent(time: pause, kind: .stop),
            TimerEvent(time: pause + 41, kind: .start), TimerEvent(time: end, kind: .stop),
        ]
        track.rrIntervals = [0.512, 0.498, 0.505, 0.49, 0.501, 0.512, 0.523]
        var summary = DeviceSummary()
        summary.distance = track.points.last!.distance
        summary.elapsedTime = end.timeIntervalSince(start)
        summary.timerTime = Double(count)
        summary.calories = 25
        summary.ascent = 12
        summary.descent = 11
        track.deviceSummary = summary
        return track
    }

    /// Asserts that `decoded` is `expected` up to the FIT resolutions.
    static func expectEquivalent(
        _ decoded: Track, _ expected: Track, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(decoded.format == .fit, sourceLocation: sourceLocation)
        #expect(decoded.sport == expected.sport, sourceLocation: sourceLocation)
        #expect(decoded.subSport == expected.subSport, sourceLocation: sourceLocation)
        #expect(decoded.startTime == expected.startTime, sourceLocation: sourceLocation)
        #expect(decoded.device == expected.device, sourceLocation: sourceLocation)
        #expect(decoded.laps == expected.laps, sourceLocation: sourceLocation)
        #expect(decoded.timerEvents == expected.timerEvents, sourceLocation: sourceLocation)
        #expect(decoded.deviceSummary == expected.deviceSummary, sourceLocation: sourceLocation)
        #expect(decoded.rrIntervals == expected.rrIntervals, sourceLocation: sourceLocation)
        #expect(decoded.points.count == expected.points.count, sourceLocation: sourceLocation)
        for (got, want) in zip(decoded.points, expected.points) {
            #expect(got.time == want.time, sourceLocation: sourceLocation)
            #expect(close(got.latitude, want.latitude, 1e-7), "latitude", sourceLocation: sourceLocation)
            #expect(close(got.longitude, want.longitude, 1e-7), "longitude", sourceLocation: sourceLocation)
            #expect(close(got.altitude, want.altitude, 1e-9), "altitude", sourceLocation: sourceLocation)
            #expect(close(got.distance, want.distance, 1e-9), "distance", sourceLocation: sourceLocation)
            #expect(close(got.speed, want.speed, 1e-9), "speed", sourceLocation: sourceLocation)
            #expect(got.heartRate == want.heartRate, sourceLocation: sourceLocation)
            #expect(got.cadence == want.cadence, sourceLocation: sourceLocation)
            #expect(got.power == want.power, sourceLocation: sourceLocation)
            #expect(got.temperature == want.temperature, sourceLocation: sourceLocation)
        }
    }

    static func close(_ a: Double?, _ b: Double?, _ tolerance: Double) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): abs(a - b) <= tolerance
        default: false
        }
    }

    /// Decodes, recording the error code instead of throwing.
    static func errorCode(_ bytes: [UInt8]) -> ActivityFileError.Code? {
        do {
            _ = try FITDecoder().decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    static func error(_ bytes: [UInt8]) -> ActivityFileError? {
        do {
            _ = try FITDecoder().decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    /// A file whose only data is the given messages, after a file_id of `fileType`.
    static func file(fileType: UInt16 = 4, _ build: (inout FITEncoder) -> Void) -> [UInt8] {
        var encoder = FITEncoder()
        encoder.define(
            localType: 15, globalMessage: FITProfile.Message.fileID, fields: [.init(number: 0, type: .enumeration)])
        encoder.write(localType: 15, [.integer(Int64(fileType))])
        build(&encoder)
        return encoder.file()
    }
}
