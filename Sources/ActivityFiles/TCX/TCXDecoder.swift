import Foundation

/// Decodes Garmin Training Center (TCX v1 and v2) files into a ``Track``.
///
/// What it reads, from the first `<Activity>` (a file with several keeps the first; multisport
/// sessions are not read):
/// - `Sport` (`Running`, `Biking`, `Other`) as the sport, lowercased; `<Id>` as the start time, else
///   the first lap's `StartTime`, else the first point's time; `<Notes>` as the name;
/// - each `<Lap>`: `StartTime`, `TotalTimeSeconds` (the timer time, as Garmin writes it),
///   `DistanceMeters`, `Calories`, `AverageHeartRateBpm`, `MaximumHeartRateBpm`, `TriggerMethod`
///   (as `manual`, `distance`, `position`, `time`, `heart_rate`);
/// - each `<Trackpoint>`: `Time`, `Position`, `AltitudeMeters`, `DistanceMeters`, `HeartRateBpm`,
///   `Cadence`, and in `<Extensions>` (ActivityExtension v2 `TPX`, any prefix) `Speed`, `Watts` and
///   `RunCadence` (used when there is no `Cadence`); points without a position (indoor) are kept;
/// - `<Creator>`: `Name` as the device's product, `UnitId` as its serial number, `Version` as its
///   software version.
///
/// Like ``GPXDecoder`` it drops impossible fields (coordinates out of range, heart rate outside
/// 0…300, negative cadence, power, speed or distance, `NaN`, unreadable numbers), points without a
/// readable time, and points whose time is earlier than the point before.
///
/// Errors: not XML or another root element → `.wrongFormat`; a file cut off → `.truncated`;
/// malformed XML → `.corrupt`; no activity with laps or points (e.g. a file of courses) → `.empty`.
public struct TCXDecoder: Sendable {
    public init() {}

    /// Decodes the bytes of a TCX file (not gzip-compressed; see ``Gzip``).
    public func decode(_ bytes: [UInt8]) throws(ActivityFileError) -> Track {
        try bytes.withUnsafeBufferPointer { (buffer) throws(ActivityFileError) -> Track in
            var reader = TCXReader(xml: XMLTokenizer(buffer, formatName: "TCX"))
            return try reader.read(estimatedPoints: buffer.count / 300)
        }
    }
}

/// The recursive-descent reader behind ``TCXDecoder``; each method starts after its element's start
/// tag and returns after its end tag.
private struct TCXReader {
    var xml: XMLTokenizer
    var track = Track(format: .tcx)
    var sawActivity = false
    var sawCourse = false
    var pointCount = 0
    var firstBadTime: TimestampError?

    mutating func read(estimatedPoints: Int) throws(ActivityFileError) -> Track {
        while try xml.next() != .startElement {}
        guard xml.isNamed("TrainingCenterDatabase") else {
            let root = xml.string(xml.localName)
            let hint = root == "gpx" ? " (it looks like a GPX file)" : ""
            throw ActivityFileError(
                .wrongFormat, "TCX: the root element is <\(root)>, not <TrainingCenterDatabase>\(hint)")
        }
        track.points.reserveCapacity(estimatedPoints)
        try readContainer()
        track.points = TimeOrder.droppingBackwardSteps(track.points)
        track.laps.sort { $0.startTime < $1.startTime }
        guard !track.points.isEmpty || !track.laps.isEmpty else { throw emptyError() }
        track.startTime = track.startTime ?? track.laps.first?.startTime ?? track.points.first?.time
        return track
    }

    /// The root and `<Activities>`: finds the first `<Activity>`.
    private mutating func readContainer() throws(ActivityFileError) {
        while try xml.nextChild() {
            if xml.isNamed("Activities") {
                try readContainer()
            } else if xml.isNamed("Activity"), !sawActivity {
                sawActivity = true
                try readActivity()
            } else {
                if xml.isNamed("Courses") { sawCourse = true }
                try xml.skipElement()
            }
        }
    }

    private mutating func readActivity() throws(ActivityFileError) {
        track.sport = PlausibleValues.sportName(try xml.attribute("Sport").flatMap { xml.string($0) })
        while try xml.nextChild() {
            if xml.isNamed("Lap") {
                try readLap()
            } else if xml.isNamed("Id") {
                if case .success(let seconds) = try xml.elementTimestamp() {
                    track.startTime = Date(timeIntervalSince1970: seconds)
                }
            } else if xml.isNamed("Notes") {
                track.name = try xml.elementString()
            } else if xml.isNamed("Creator") {
                try readCreator()
            } else {
                try xml.skipElement()
            }
        }
    }

    private mutating func readLap() throws(ActivityFileError) {
        let start = try xml.attribute("StartTime").flatMap { xml.withBytes(of: $0) { XMLScalars.timestamp($0) } }
        var lap = Lap(startTime: Date(timeIntervalSince1970: start ?? 0))
        let firstPoint = track.points.count
        while try xml.nextChild() {
            if xml.isNamed("Track") {
                try readTrack()
            } else if xml.isNamed("TotalTimeSeconds") {
                lap.timerTime = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("DistanceMeters") {
                lap.distance = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("Calories") {
                lap.calories = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("AverageHeartRateBpm") {
                lap.averageHeartRate = PlausibleValues.heartRate(try readValue())
            } else if xml.isNamed("MaximumHeartRateBpm") {
                lap.maxHeartRate = PlausibleValues.heartRate(try readValue())
            } else if xml.isNamed("TriggerMethod") {
                lap.trigger = try xml.elementString().map(Self.trigger)
            } else {
                try xml.skipElement()
            }
        }
        if start == nil {
            // A lap without its required StartTime starts with its first point, if it has one.
            guard firstPoint < track.points.count else { return }
            lap.startTime = track.points[firstPoint].time
        }
        track.laps.append(lap)
    }

    private static func trigger(_ method: String) -> String {
        switch method {
        case "Location": "position"
        case "HeartRate": "heart_rate"
        default: PlausibleValues.sportName(method) ?? method
        }
    }

    private mutating func readTrack() throws(ActivityFileError) {
        // Points are filled in place, in an array moved out of `track` for exclusive access.
        var points: [TrackPoint] = []
        swap(&points, &track.points)
        defer { swap(&points, &track.points) }
        while try xml.nextChild() {
            if xml.isNamed("Trackpoint") {
                // Filled in place: a TrackPoint is large enough that copies show in profiles.
                points.append(TrackPoint(time: Date(timeIntervalSinceReferenceDate: 0)))
                if !(try readPoint(into: &points[points.count - 1])) { points.removeLast() }
            } else {
                try xml.skipElement()
            }
        }
    }

    /// Reads a `<Trackpoint>` into `point`; false when it has no usable time.
    private mutating func readPoint(into point: inout TrackPoint) throws(ActivityFileError) -> Bool {
        pointCount += 1
        var time: Double?
        var runCadence: Double?
        while try xml.nextChild() {
            if xml.isNamed("Time") {
                switch try xml.elementTimestamp() {
                case .success(let seconds): time = seconds
                case .failure(let error): firstBadTime = firstBadTime ?? error
                }
            } else if xml.isNamed("Position") {
                try readPosition(into: &point)
            } else if xml.isNamed("AltitudeMeters") {
                point.altitude = PlausibleValues.finite(try xml.elementDouble())
            } else if xml.isNamed("DistanceMeters") {
                point.distance = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("HeartRateBpm") {
                point.heartRate = PlausibleValues.heartRate(try readValue())
            } else if xml.isNamed("Cadence") {
                point.cadence = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("Extensions") {
                try readExtensions(into: &point, runCadence: &runCadence)
            } else {
                try xml.skipElement()
            }
        }
        guard let time else { return false }
        point.time = Date(timeIntervalSince1970: time)
        point.cadence = point.cadence ?? runCadence
        return true
    }

    private mutating func readPosition(into point: inout TrackPoint) throws(ActivityFileError) {
        var latitude: Double?
        var longitude: Double?
        while try xml.nextChild() {
            if xml.isNamed("LatitudeDegrees") {
                latitude = try xml.elementDouble()
            } else if xml.isNamed("LongitudeDegrees") {
                longitude = try xml.elementDouble()
            } else {
                try xml.skipElement()
            }
        }
        let position = PlausibleValues.position(latitude: latitude, longitude: longitude)
        point.latitude = position?.latitude
        point.longitude = position?.longitude
    }

    private mutating func readExtensions(
        into point: inout TrackPoint, runCadence: inout Double?
    ) throws(ActivityFileError) {
        while try xml.nextChild() {
            if xml.isNamed("Speed") {
                point.speed = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("Watts") {
                point.power = PlausibleValues.nonNegative(try xml.elementDouble())
            } else if xml.isNamed("RunCadence") {
                runCadence = PlausibleValues.nonNegative(try xml.elementDouble())
            } else {
                try readExtensions(into: &point, runCadence: &runCadence)
            }
        }
    }

    /// The number in a `<Value>` child (heart rates are wrapped so).
    private mutating func readValue() throws(ActivityFileError) -> Double? {
        var value: Double?
        while try xml.nextChild() {
            if xml.isNamed("Value") {
                value = try xml.elementDouble()
            } else {
                try xml.skipElement()
            }
        }
        return value
    }

    private mutating func readCreator() throws(ActivityFileError) {
        var device = Device()
        var major: String?
        var minor: String?
        while true {
            switch try xml.next() {
            case .startElement:
                if xml.isNamed("Name") {
                    device.product = try xml.elementString()
                } else if xml.isNamed("UnitId") {
                    device.serialNumber = try xml.elementString()
                } else if xml.isNamed("Version") {
                    continue
                } else if xml.isNamed("VersionMajor") {
                    major = try xml.elementString()
                } else if xml.isNamed("VersionMinor") {
                    minor = try xml.elementString()
                } else {
                    try xml.skipElement()
                }
            case .endElement:
                if xml.isNamed("Version") { continue }
                if let major { device.softwareVersion = minor.map { "\(major).\($0)" } ?? major }
                if device != Device() { track.device = device }
                return
            case .endOfDocument:
                return
            case .text:
                continue
            }
        }
    }

    private func emptyError() -> ActivityFileError {
        if !sawActivity {
            if sawCourse {
                return ActivityFileError(
                    .empty, "TCX: the file holds courses, not a recorded activity; there is nothing to import")
            }
            return ActivityFileError(.empty, "TCX: the file has no <Activity>")
        }
        if pointCount > 0, let firstBadTime {
            return ActivityFileError(
                .empty,
                "TCX: none of the \(pointCount) track points has a readable <Time>; the one at line \(firstBadTime.line) says \"\(firstBadTime.text)\", which is not an ISO 8601 time"
            )
        }
        return ActivityFileError(.empty, "TCX: the activity has no laps and no track points")
    }
}
