import Foundation

/// Encodes a ``Track`` as GPX 1.1, for export.
///
/// One `<trk>` with one `<trkseg>`; per point `<ele>`, `<time>` and, in `<extensions>`, Garmin's
/// `gpxpx:PowerInWatts` (PowerExtension v1) and `gpxtpx:TrackPointExtension` (v1: `atemp`, `hr`,
/// `cad`, in the schema's order). GPX has no place for laps, speed or distance, and a `<trkpt>` must
/// have a position, so points without one (indoor samples) are left out: use ``TCXEncoder`` for
/// those. Heart rate and cadence are rounded to whole numbers, as the extension's schema wants;
/// coordinates keep 8 decimals (about 1 mm).
public struct GPXEncoder: Sendable {
    public init() {}

    /// The GPX document as UTF-8 bytes.
    public func encode(_ track: Track) -> [UInt8] {
        var xml = XMLWriter(capacity: 512 + track.points.count * 230)
        xml.append(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <gpx version="1.1" creator="Stamina" xmlns="http://www.topografix.com/GPX/1/1" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" \
            xmlns:gpxpx="http://www.garmin.com/xmlschemas/PowerExtension/v1" \
            xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd \
            http://www.garmin.com/xmlschemas/TrackPointExtension/v1 \
            http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd \
            http://www.garmin.com/xmlschemas/PowerExtension/v1 http://www.garmin.com/xmlschemas/PowerExtensionv1.xsd">

            """
        )
        let startTime = track.startTime ?? track.points.first?.time
        if track.name != nil || startTime != nil {
            xml.append(" <metadata>\n")
            if let name = track.name { xml.appendElement("  <name>", name, "</name>\n") }
            if let startTime {
                xml.append("  <time>")
                xml.appendTimestamp(startTime)
                xml.append("</time>\n")
            }
            xml.append(" </metadata>\n")
        }
        xml.append(" <trk>\n")
        if let name = track.name { xml.appendElement("  <name>", name, "</name>\n") }
        if let sport = track.sport { xml.appendElement("  <type>", sport, "</type>\n") }
        xml.append("  <trkseg>\n")
        for point in track.points {
            guard let latitude = point.latitude, let longitude = point.longitude, latitude.isFinite, longitude.isFinite
            else { continue }
            appendPoint(point, latitude: latitude, longitude: longitude, to: &xml)
        }
        xml.append("  </trkseg>\n </trk>\n</gpx>\n")
        return xml.bytes
    }

    private func appendPoint(_ point: TrackPoint, latitude: Double, longitude: Double, to xml: inout XMLWriter) {
        xml.append("   <trkpt lat=\"")
        xml.appendDecimal(latitude, fractionDigits: 8)
        xml.append("\" lon=\"")
        xml.appendDecimal(longitude, fractionDigits: 8)
        xml.append("\">")
        if let altitude = point.altitude, altitude.isFinite {
            xml.appendDecimal(altitude, fractionDigits: 3, between: "<ele>", and: "</ele>")
        }
        xml.append("<time>")
        xml.appendTimestamp(point.time)
        xml.append("</time>")
        let heartRate = point.heartRate.map { $0.rounded() }.flatMap { (0...255).contains($0) ? Int($0) : nil }
        let cadence = point.cadence.map { $0.rounded() }.flatMap { (0...255).contains($0) ? Int($0) : nil }
        let temperature = point.temperature.flatMap { $0.isFinite ? $0 : nil }
        let power = point.power.map { $0.rounded() }.flatMap { (0...65_535).contains($0) ? Int($0) : nil }
        if heartRate != nil || cadence != nil || temperature != nil || power != nil {
            xml.append("<extensions>")
            xml.appendInteger(power, between: "<gpxpx:PowerInWatts>", and: "</gpxpx:PowerInWatts>")
            if heartRate != nil || cadence != nil || temperature != nil {
                xml.append("<gpxtpx:TrackPointExtension>")
                xml.appendDecimal(temperature, fractionDigits: 1, between: "<gpxtpx:atemp>", and: "</gpxtpx:atemp>")
                xml.appendInteger(heartRate, between: "<gpxtpx:hr>", and: "</gpxtpx:hr>")
                xml.appendInteger(cadence, between: "<gpxtpx:cad>", and: "</gpxtpx:cad>")
                xml.append("</gpxtpx:TrackPointExtension>")
            }
            xml.append("</extensions>")
        }
        xml.append("</trkpt>\n")
    }
}
