import ActivityFiles
import Foundation

/// Fixture files of `Fixtures/gpx` and `Fixtures/tcx`, and tolerant comparisons for round trips.
enum XMLFixtures {
    static func url(_ path: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(path)))
    }

    static func gpx(_ body: String, version: String = "1.1") -> [UInt8] {
        let namespace = version == "1.0" ? "http://www.topografix.com/GPX/1/0" : "http://www.topografix.com/GPX/1/1"
        return Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <gpx version="\(version)" creator="test" xmlns="\(namespace)" \
            xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
            \(body)
            </gpx>
            """.utf8)
    }

    /// A `<trk>` with one segment of the given `<trkpt>` bodies.
    static func gpxTrack(_ points: [String]) -> [UInt8] {
        gpx("<trk><trkseg>\n" + points.joined(separator: "\n") + "\n</trkseg></trk>")
    }

    static func tcx(_ activity: String) -> [UInt8] {
        Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" \
            xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">
            <Activities>\(activity)</Activities>
            </TrainingCenterDatabase>
            """.utf8)
    }

    static func time(_ iso: String) -> Date {
        try! Date(iso, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: iso.contains(".")))
    }
}

/// Whether two optional values are both nil or within `tolerance`.
func close(_ left: Double?, _ right: Double?, _ tolerance: Double = 1e-6) -> Bool {
    switch (left, right) {
    case (nil, nil): true
    case (let left?, let right?): abs(left - right) <= tolerance
    default: false
    }
}

/// Whether two points agree within the precision the encoders write.
func samePoint(_ left: TrackPoint, _ right: TrackPoint) -> Bool {
    abs(left.time.timeIntervalSince(right.time)) < 0.0015 && close(left.latitude, right.latitude, 1e-7)
        && close(left.longitude, right.longitude, 1e-7) && close(left.altitude, right.altitude, 1e-3)
        && close(left.distance, right.distance, 1e-3) && close(left.speed, right.speed, 1e-3)
        && close(left.heartRate, right.heartRate, 0.5) && close(left.cadence, right.cadence, 0.5)
        && close(left.power, right.power, 0.5) && close(left.temperature, right.temperature, 0.05)
}
