import Foundation

/// Collects the messages of one FIT file (all its chained parts) and assembles the canonical `Track`.
struct FITTrackBuilder {
    /// A `file_id` message.
    struct FileID {
        var type: UInt16?
        var manufacturer: UInt16?
        var product: UInt16?
        var serialNumber: UInt64?
        var productName: String?
    }

    /// A `session` message.
    struct Session {
        var startTime: UInt32?
        var sport: UInt16?
        var subSport: UInt16?
        var summary = DeviceSummary()
    }

    /// A record whose timestamp is still the raw FIT value, so ordering works on integers.
    struct Point {
        var timestamp: UInt32
        var point: TrackPoint
    }

    var fileIDs: [FileID] = []
    var sessions: [Session] = []
    /// `sport` messages, used when a file has no session.
    var sports: [(sport: UInt16?, subSport: UInt16?)] = []
    var creatorSoftwareVersion: Double?
    var fileCreatorSoftwareVersion: Double?
    var points: [Point] = []
    var pointsInOrder = true
    var laps: [Lap] = []
    var timerEvents: [TimerEvent] = []
    var rrIntervals: [Double] = []

    static func date(_ timestamp: UInt32) -> Date {
        Date(timeIntervalSince1970: Double(timestamp) + FITProfile.epochOffset)
    }

    mutating func append(_ point: Point) {
        if let last = points.last, last.timestamp > point.timestamp { pointsInOrder = false }
        points.append(point)
    }

    /// The track, or why the file holds none.
    func track() throws(ActivityFileError) -> Track {
        let activityParts = fileIDs.filter { $0.type == FITProfile.activityFileType }
        if activityParts.isEmpty, let other = fileIDs.first(where: { $0.type != nil }), let type = other.type {
            let name = FITProfile.fileTypeNames[type].map { "'\($0)' (\(type))" } ?? "\(type)"
            throw ActivityFileError(
                .unsupported, "FIT file type is \(name); only activity files (type 4) can be imported")
        }
        guard !points.isEmpty || !laps.isEmpty || !sessions.isEmpty else {
            throw ActivityFileError(.empty, "FIT activity file holds no records, laps or sessions")
        }

        var track = Track(format: .fit)
        track.points = mergedPoints()
        track.laps = laps.sorted { $0.startTime < $1.startTime }
        track.timerEvents = timerEvents.enumerated().sorted {
            ($0.element.time, $0.offset) < ($1.element.time, $1.offset)
        }
        .map(\.element)
        track.rrIntervals = rrIntervals
        track.device = device(activityParts.first ?? fileIDs.first)

        let sportSource: [(sport: UInt16?, subSport: UInt16?)] =
            sessions.isEmpty ? sports : sessions.map { ($0.sport, $0.subSport) }
        if let first = sportSource.first {
            if sportSource.allSatisfy({ $0.sport == first.sport }) {
                track.sport = first.sport.map { Self.name($0, in: FITProfile.sportNames) }
                if sportSource.allSatisfy({ $0.subSport == first.subSport }) {
                    track.subSport = first.subSport.map { Self.name($0, in: FITProfile.subSportNames) }
                }
            } else {
                track.sport = "multisport"
            }
        }

        if !sessions.isEmpty {
            track.deviceSummary = sessions.dropFirst().reduce(sessions[0].summary) { Self.adding($0, $1.summary) }
        }
        let sessionStart = sessions.compactMap(\.startTime).min().map(Self.date)
        track.startTime = sessionStart ?? track.laps.first?.startTime ?? track.points.first?.time
        return track
    }

    /// Points sorted by time, those sharing a timestamp merged into one (later values fill gaps).
    private func mergedPoints() -> [TrackPoint] {
        var ordered = points
        if !pointsInOrder {
            // Stable, so merging keeps file order among equal timestamps.
            ordered = ordered.enumerated().sorted {
                ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset)
            }
            .map(\.element)
        }
        var result: [TrackPoint] = []
        result.reserveCapacity(ordered.count)
        var lastTimestamp: UInt32?
        for entry in ordered {
            if entry.timestamp == lastTimestamp {
                result[result.count - 1] = result[result.count - 1].filling(from: entry.point)
            } else {
                result.append(entry.point)
                lastTimestamp = entry.timestamp
            }
        }
        return result
    }

    private func device(_ fileID: FileID?) -> Device? {
        var device = Device()
        if let fileID {
            device.manufacturer = fileID.manufacturer.map { Self.name($0, in: FITProfile.manufacturerNames) }
            if let product = fileID.product {
                if let manufacturer = fileID.manufacturer,
                    FITProfile.garminProductManufacturers.contains(manufacturer),
                    let name = FITProfile.garminProductNames[product]
                {
                    device.product = name
                } else {
                    device.product = fileID.productName ?? String(product)
                }
            } else {
                device.product = fileID.productName
            }
            device.serialNumber = fileID.serialNumber.map { String($0) }
        }
        // device_info.software_version has scale 100; file_creator.software_version is unscaled
        // hundredths as well (e.g. 2100 for 21.00).
        let version = creatorSoftwareVersion ?? fileCreatorSoftwareVersion.map { $0 / 100 }
        device.softwareVersion = version.map { String(format: "%.2f", $0) }
        return device == Device() ? nil : device
    }

    static func name(_ value: UInt16, in table: [UInt16: String]) -> String {
        table[value] ?? String(value)
    }

    private static func adding(_ a: DeviceSummary, _ b: DeviceSummary) -> DeviceSummary {
        func sum(_ x: Double?, _ y: Double?) -> Double? {
            switch (x, y) {
            case (nil, nil): nil
            default: (x ?? 0) + (y ?? 0)
            }
        }
        var total = DeviceSummary()
        total.distance = sum(a.distance, b.distance)
        total.elapsedTime = sum(a.elapsedTime, b.elapsedTime)
        total.timerTime = sum(a.timerTime, b.timerTime)
        total.calories = sum(a.calories, b.calories)
        total.ascent = sum(a.ascent, b.ascent)
        total.descent = sum(a.descent, b.descent)
        return total
    }
}
