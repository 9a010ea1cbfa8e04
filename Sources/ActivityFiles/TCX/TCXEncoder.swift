import Foundation

/// Encodes a ``Track`` as a TCX v2 (Training Center Database) activity, for export.
///
/// One `<Activity>` whose `Sport` is `Running`, `Biking` or `Other` (the only values TCX allows),
/// `<Id>` the start time, `<Notes>` the name. Laps come from ``Track/laps`` (points are assigned to
/// the last lap starting at or before them); a track without laps gets one lap over all points.
/// Lap fields the schema requires but the track lacks are filled in: `TotalTimeSeconds` from the
/// lap's points, `DistanceMeters` from their recorded distance (else 0), `Calories` 0, `Intensity`
/// `Active`, `TriggerMethod` `Manual`. Trackpoints carry every field the track has, with speed and
/// power in the ActivityExtension v2 `TPX` (running cadence as `RunCadence`); points without a
/// position are written without `<Position>`. The device becomes the `<Creator>`.
public struct TCXEncoder: Sendable {
    public init() {}

    /// The TCX document as UTF-8 bytes.
    public func encode(_ track: Track) -> [UInt8] {
        var xml = XMLWriter(capacity: 1024 + track.points.count * 420)
        xml.append(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2" \
            xsi:schemaLocation="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2 \
            http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd \
            http://www.garmin.com/xmlschemas/ActivityExtension/v2 \
            http://www.garmin.com/xmlschemas/ActivityExtensionv2.xsd">
             <Activities>

            """
        )
        let sport = Self.sport(track.sport)
        switch sport {
        case .running: xml.append("  <Activity Sport=\"Running\">\n")
        case .biking: xml.append("  <Activity Sport=\"Biking\">\n")
        case .other: xml.append("  <Activity Sport=\"Other\">\n")
        }
        let startTime =
            track.startTime ?? track.laps.first?.startTime ?? track.points.first?.time ?? Date(timeIntervalSince1970: 0)
        xml.append("   <Id>")
        xml.appendTimestamp(startTime)
        xml.append("</Id>\n")
        let laps = track.laps.isEmpty ? [Lap(startTime: startTime)] : track.laps.sorted { $0.startTime < $1.startTime }
        var pointIndex = 0
        for (lapIndex, lap) in laps.enumerated() {
            let end = lapIndex + 1 < laps.count ? laps[lapIndex + 1].startTime : nil
            var lapEnd = pointIndex
            while lapEnd < track.points.count, end.map({ track.points[lapEnd].time < $0 }) ?? true { lapEnd += 1 }
            appendLap(lap, points: track.points[pointIndex..<lapEnd], running: sport == .running, to: &xml)
            pointIndex = lapEnd
        }
        if let name = track.name { xml.appendElement("   <Notes>", name, "</Notes>\n") }
        if let device = track.device, let product = device.product ?? device.manufacturer {
            appendCreator(device, name: product, to: &xml)
        }
        xml.append("  </Activity>\n </Activities>\n</TrainingCenterDatabase>\n")
        return xml.bytes
    }

    private enum Sport { case running, biking, other }

    private static func sport(_ name: String?) -> Sport {
        guard let name else { return .other }
        if name.contains("run") { return .running }
        if name.contains("cycl") || name.contains("bik") || name.contains("ride") { return .biking }
        return .other
    }

    private func appendLap(_ lap: Lap, points: ArraySlice<TrackPoint>, running: Bool, to xml: inout XMLWriter) {
        xml.append("   <Lap StartTime=\"")
        xml.appendTimestamp(lap.startTime)
        xml.append("\">\n    <TotalTimeSeconds>")
        let measured = points.last.map { $0.time.timeIntervalSince(lap.startTime) } ?? 0
        xml.appendDecimal(max(0, lap.timerTime ?? lap.elapsedTime ?? measured), fractionDigits: 3)
        xml.append("</TotalTimeSeconds>\n    <DistanceMeters>")
        var recorded: Double?
        if let first = points.first?.distance, let last = points.last(where: { $0.distance != nil })?.distance {
            recorded = last - first
        }
        xml.appendDecimal(max(0, lap.distance ?? recorded ?? 0), fractionDigits: 2)
        xml.appendInteger(
            Int(min(65_535, max(0, (lap.calories ?? 0).rounded()))), between: "</DistanceMeters>\n    <Calories>",
            and: "</Calories>\n")
        if let average = lap.averageHeartRate, let value = Self.whole(average, minimum: 1) {
            xml.appendInteger(
                value, between: "    <AverageHeartRateBpm><Value>", and: "</Value></AverageHeartRateBpm>\n")
        }
        if let maximum = lap.maxHeartRate, let value = Self.whole(maximum, minimum: 1) {
            xml.appendInteger(
                value, between: "    <MaximumHeartRateBpm><Value>", and: "</Value></MaximumHeartRateBpm>\n")
        }
        xml.append("    <Intensity>Active</Intensity>\n    <TriggerMethod>")
        switch lap.trigger {
        case "distance": xml.append("Distance")
        case "position": xml.append("Location")
        case "time": xml.append("Time")
        case "heart_rate": xml.append("HeartRate")
        default: xml.append("Manual")
        }
        xml.append("</TriggerMethod>\n")
        if !points.isEmpty {
            xml.append("    <Track>\n")
            for point in points { appendPoint(point, running: running, to: &xml) }
            xml.append("    </Track>\n")
        }
        xml.append("   </Lap>\n")
    }

    private func appendPoint(_ point: TrackPoint, running: Bool, to xml: inout XMLWriter) {
        xml.append("     <Trackpoint><Time>")
        xml.appendTimestamp(point.time)
        xml.append("</Time>")
        if let latitude = point.latitude, let longitude = point.longitude, latitude.isFinite, longitude.isFinite {
            xml.appendDecimal(
                latitude, fractionDigits: 8, between: "<Position><LatitudeDegrees>",
                and: "</LatitudeDegrees><LongitudeDegrees>")
            xml.appendDecimal(longitude, fractionDigits: 8)
            xml.append("</LongitudeDegrees></Position>")
        }
        if let altitude = point.altitude, altitude.isFinite {
            xml.appendDecimal(altitude, fractionDigits: 3, between: "<AltitudeMeters>", and: "</AltitudeMeters>")
        }
        if let distance = point.distance, distance.isFinite {
            xml.appendDecimal(distance, fractionDigits: 3, between: "<DistanceMeters>", and: "</DistanceMeters>")
        }
        if let heartRate = point.heartRate, let value = Self.whole(heartRate, minimum: 1) {
            xml.appendInteger(value, between: "<HeartRateBpm><Value>", and: "</Value></HeartRateBpm>")
        }
        let cadence = point.cadence.flatMap { Self.whole($0, minimum: 0, maximum: 254) }
        if !running, let cadence {
            xml.appendInteger(cadence, between: "<Cadence>", and: "</Cadence>")
        }
        let speed = point.speed.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
        let runCadence = running ? cadence : nil
        let watts = point.power.flatMap { Self.whole($0, minimum: 0, maximum: 65_535) }
        if speed != nil || runCadence != nil || watts != nil {
            xml.append("<Extensions><ns3:TPX>")
            xml.appendDecimal(speed, fractionDigits: 3, between: "<ns3:Speed>", and: "</ns3:Speed>")
            xml.appendInteger(runCadence, between: "<ns3:RunCadence>", and: "</ns3:RunCadence>")
            xml.appendInteger(watts, between: "<ns3:Watts>", and: "</ns3:Watts>")
            xml.append("</ns3:TPX></Extensions>")
        }
        xml.append("</Trackpoint>\n")
    }

    private func appendCreator(_ device: Device, name: String, to xml: inout XMLWriter) {
        xml.appendElement("   <Creator xsi:type=\"Device_t\">\n    <Name>", name, "</Name>\n    <UnitId>")
        let unitID = device.serialNumber.flatMap { UInt32($0) } ?? 0
        xml.appendInteger(Int(unitID))
        xml.append("</UnitId>\n    <ProductID>0</ProductID>\n    <Version><VersionMajor>")
        let parts = (device.softwareVersion ?? "").split(separator: ".").map { UInt16($0) ?? 0 }
        xml.appendInteger(Int(parts.first ?? 0))
        xml.appendInteger(
            Int(parts.count > 1 ? parts[1] : 0), between: "</VersionMajor><VersionMinor>",
            and: "</VersionMinor></Version>\n   </Creator>\n")
    }

    /// `value` rounded, when it fits the schema's range (heart rates are 1…255, cadence 0…254).
    private static func whole(_ value: Double, minimum: Int, maximum: Int = 255) -> Int? {
        guard value.isFinite else { return nil }
        let rounded = Int(value.rounded())
        return (minimum...maximum).contains(rounded) ? rounded : nil
    }
}
