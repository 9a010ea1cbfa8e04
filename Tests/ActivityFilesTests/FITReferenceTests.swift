import ActivityFiles
import Foundation
import Testing

/// Compares FITDecoder with reference decoders (garmin-fit-sdk, fitdecode where the SDK cannot read
/// a file) through the JSONs `scripts/fit-reference.py` wrote next to each fixture.
@Suite("FIT decoder against reference decoders")
struct FITReferenceTests {
    struct Reference: Decodable {
        struct Device: Decodable {
            var manufacturer: String?
            var product: String?
            var serialNumber: String?
            var softwareVersion: Double?
        }

        struct Sample: Decodable {
            var index: Int
            var timestamp: String
            var latitude: Double?
            var longitude: Double?
            var altitude: Double?
            var distance: Double?
            var speed: Double?
            var heartRate: Double?
            var cadence: Double?
            var power: Double?
            var temperature: Double?
        }

        struct Lap: Decodable {
            var startTime: String?
            var totalElapsedTime: Double?
            var totalTimerTime: Double?
            var totalDistance: Double?
            var totalCalories: Double?
            var avgHeartRate: Double?
            var maxHeartRate: Double?
            var lapTrigger: String?
        }

        struct Session: Decodable {
            var sport: String?
            var subSport: String?
            var startTime: String?
            var totalElapsedTime: Double?
            var totalTimerTime: Double?
            var totalDistance: Double?
            var totalCalories: Double?
            var totalAscent: Double?
            var totalDescent: Double?
        }

        var generator: String
        var device: Device
        var pointCount: Int
        var firstTimestamp: String?
        var lastTimestamp: String?
        var samples: [Sample]
        var laps: [Lap]
        var sessions: [Session]
        var timerEventCount: Int
        var rrIntervals: [Double]
    }

    static let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        .appendingPathComponent("fit")

    static var fixtures: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".fit") }.sorted()
    }

    @Test("every fixture has a reference JSON, real device files among them")
    func fixturesPresent() {
        let names = Self.fixtures
        #expect(names.count >= 8)
        #expect(names.filter { $0.hasPrefix("sweat-") }.count >= 4)
        for name in names {
            #expect(
                FileManager.default.fileExists(
                    atPath: Self.directory.appendingPathComponent(name + ".reference.json").path))
        }
    }

    @Test("each fixture decodes as the reference decoder reads it", arguments: fixtures)
    func matchesReference(fixture: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(fixture)))
        let json = try Data(contentsOf: Self.directory.appendingPathComponent(fixture + ".reference.json"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let reference = try decoder.decode(Reference.self, from: json)
        let track = try FITDecoder().decode(bytes)

        #expect(track.points.count == reference.pointCount)
        #expect(track.points.first.map { Self.iso($0.time) } == reference.firstTimestamp)
        #expect(track.points.last.map { Self.iso($0.time) } == reference.lastTimestamp)
        for sample in reference.samples {
            let point = try #require(track.points.indices.contains(sample.index) ? track.points[sample.index] : nil)
            #expect(Self.iso(point.time) == sample.timestamp)
            #expect(Self.close(point.latitude, sample.latitude, 1e-9), "latitude at \(sample.index)")
            #expect(Self.close(point.longitude, sample.longitude, 1e-9), "longitude at \(sample.index)")
            #expect(Self.close(point.altitude, sample.altitude, 1e-6), "altitude at \(sample.index)")
            #expect(Self.close(point.distance, sample.distance, 1e-6), "distance at \(sample.index)")
            #expect(Self.close(point.speed, sample.speed, 1e-6), "speed at \(sample.index)")
            #expect(Self.close(point.heartRate, sample.heartRate, 0), "heart rate at \(sample.index)")
            #expect(Self.close(point.cadence, sample.cadence, 1e-9), "cadence at \(sample.index)")
            #expect(Self.close(point.power, sample.power, 0), "power at \(sample.index)")
            #expect(Self.close(point.temperature, sample.temperature, 0), "temperature at \(sample.index)")
        }

        #expect(track.laps.count == reference.laps.count)
        for (lap, expected) in zip(track.laps, reference.laps) {
            #expect(Self.iso(lap.startTime) == expected.startTime)
            #expect(Self.close(lap.elapsedTime, expected.totalElapsedTime, 1e-6))
            #expect(Self.close(lap.timerTime, expected.totalTimerTime, 1e-6))
            #expect(Self.close(lap.distance, expected.totalDistance, 1e-6))
            #expect(Self.close(lap.calories, expected.totalCalories, 0))
            #expect(Self.close(lap.averageHeartRate, expected.avgHeartRate, 0))
            #expect(Self.close(lap.maxHeartRate, expected.maxHeartRate, 0))
            #expect(lap.trigger == expected.lapTrigger)
        }

        let sessions = reference.sessions
        if let first = sessions.first {
            let oneSport = sessions.allSatisfy { $0.sport == first.sport }
            #expect(track.sport == (oneSport ? first.sport : "multisport"))
            if oneSport, sessions.allSatisfy({ $0.subSport == first.subSport }) {
                #expect(track.subSport == first.subSport)
            }
            let summary = try #require(track.deviceSummary)
            #expect(Self.close(summary.distance, Self.sum(sessions.map(\.totalDistance)), 1e-6))
            #expect(Self.close(summary.elapsedTime, Self.sum(sessions.map(\.totalElapsedTime)), 1e-6))
            #expect(Self.close(summary.timerTime, Self.sum(sessions.map(\.totalTimerTime)), 1e-6))
            #expect(Self.close(summary.calories, Self.sum(sessions.map(\.totalCalories)), 0))
            #expect(Self.close(summary.ascent, Self.sum(sessions.map(\.totalAscent)), 0))
            #expect(Self.close(summary.descent, Self.sum(sessions.map(\.totalDescent)), 0))
            #expect(track.startTime.map(Self.iso) == sessions.compactMap(\.startTime).min())
        }

        #expect(track.device?.manufacturer == reference.device.manufacturer)
        #expect(track.device?.product == reference.device.product)
        #expect(track.device?.serialNumber == reference.device.serialNumber)
        #expect(track.device?.softwareVersion == reference.device.softwareVersion.map { String(format: "%.2f", $0) })
        #expect(track.timerEvents.count == reference.timerEventCount)
        #expect(track.rrIntervals.count == reference.rrIntervals.count)
        for (got, want) in zip(track.rrIntervals, reference.rrIntervals) {
            #expect(abs(got - want) < 1e-9)
        }
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func sum(_ values: [Double?]) -> Double? {
        let present = values.compactMap { $0 }
        return present.isEmpty ? nil : present.reduce(0, +)
    }

    static func close(_ a: Double?, _ b: Double?, _ tolerance: Double) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): abs(a - b) <= tolerance
        default: false
        }
    }
}
