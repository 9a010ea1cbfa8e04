/// Google's encoded polyline algorithm format
/// (https://developers.google.com/maps/documentation/utilities/polylinealgorithm).
///
/// Each coordinate is rounded to `precision` decimals (5 for Google Maps, 6 for OSRM/Valhalla), delta-encoded
/// against the previous one, zig-zag signed and written in 5-bit chunks offset by 63.
public enum Polyline {
    /// Encodes the coordinates; rounding is half away from zero, as in Google's reference.
    public static func encode(_ coordinates: some Sequence<Coordinate>, precision: Int = 5) -> String {
        let factor = scale(precision)
        var output: [UInt8] = []
        var previousLatitude = 0
        var previousLongitude = 0
        for coordinate in coordinates {
            let latitude = Int((coordinate.latitude * factor).rounded())
            let longitude = Int((coordinate.longitude * factor).rounded())
            append(latitude - previousLatitude, to: &output)
            append(longitude - previousLongitude, to: &output)
            previousLatitude = latitude
            previousLongitude = longitude
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes an encoded polyline.
    /// - Throws: ``GeoError`` with code `malformedPolyline` for characters outside `?`…`~`, a value cut short,
    ///   or an odd number of values.
    public static func decode(_ encoded: String, precision: Int = 5) throws(GeoError) -> [Coordinate] {
        let factor = scale(precision)
        var coordinates: [Coordinate] = []
        var latitude = 0
        var longitude = 0
        var bytes = encoded.utf8.makeIterator()
        while true {
            guard let dLat = try next(&bytes, allowEnd: true) else { break }
            guard let dLon = try next(&bytes, allowEnd: false) else {
                throw GeoError(.malformedPolyline, "polyline ends after a latitude without its longitude")
            }
            latitude += dLat
            longitude += dLon
            coordinates.append(Coordinate(latitude: Double(latitude) / factor, longitude: Double(longitude) / factor))
        }
        return coordinates
    }

    private static func scale(_ precision: Int) -> Double {
        var factor = 1.0
        for _ in 0..<max(0, min(precision, 10)) { factor *= 10 }
        return factor
    }

    private static func append(_ value: Int, to output: inout [UInt8]) {
        var zigzag = UInt(bitPattern: value << 1)
        if value < 0 { zigzag = ~zigzag }
        while zigzag >= 0x20 {
            output.append(UInt8((0x20 | (zigzag & 0x1f)) + 63))
            zigzag >>= 5
        }
        output.append(UInt8(zigzag + 63))
    }

    private static func next(
        _ bytes: inout String.UTF8View.Iterator, allowEnd: Bool
    ) throws(GeoError) -> Int? {
        var result: UInt = 0
        var shift: UInt = 0
        var first = true
        while true {
            guard let byte = bytes.next() else {
                if first && allowEnd { return nil }
                throw GeoError(.malformedPolyline, "polyline ends in the middle of a value")
            }
            first = false
            guard (63...126).contains(byte), shift < UInt(UInt.bitWidth - 5) else {
                throw GeoError(.malformedPolyline, "invalid polyline character or value too long")
            }
            let chunk = UInt(byte - 63)
            result |= (chunk & 0x1f) << shift
            shift += 5
            if chunk < 0x20 { break }
        }
        let value = Int(bitPattern: result >> 1)
        return result & 1 == 1 ? ~value : value
    }
}
