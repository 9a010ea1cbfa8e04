/// GeoJSON output (RFC 7946) for tracks: a `LineString` geometry or a `Feature` wrapping one.
///
/// Positions are written `[longitude, latitude]` or `[longitude, latitude, elevation]` as RFC 7946 §3.1.1
/// requires. Numbers are formatted with integer arithmetic (7 decimals for degrees — about 1 cm — and 1 for
/// metres; RFC 7946 §11.2 recommends limiting precision) so the output is byte-for-byte reproducible and
/// independent of locale. Invalid coordinates and non-finite elevations are skipped.
public enum GeoJSON {
    /// A `LineString` geometry object.
    /// - Parameters:
    ///   - coordinates: the line.
    ///   - elevations: metres, parallel to `coordinates`; when given, positions carry a third value.
    public static func lineString(_ coordinates: [Coordinate], elevations: [Double?]? = nil) -> String {
        var output = ""
        output.reserveCapacity(coordinates.count * 28 + 40)
        writeLineString(coordinates, elevations: elevations, into: &output)
        return output
    }

    /// A `Feature` with a `LineString` geometry and string properties (keys sorted, so the output is stable).
    public static func feature(
        _ coordinates: [Coordinate], elevations: [Double?]? = nil, properties: [String: String] = [:]
    ) -> String {
        var output = #"{"type":"Feature","geometry":"#
        writeLineString(coordinates, elevations: elevations, into: &output)
        output += #","properties":{"#
        for (index, key) in properties.keys.sorted().enumerated() {
            if index > 0 { output += "," }
            writeString(key, into: &output)
            output += ":"
            writeString(properties[key]!, into: &output)
        }
        output += "}}"
        return output
    }

    /// The same `Feature` as UTF-8 bytes, ready for an HTTP body.
    public static func featureBytes(
        _ coordinates: [Coordinate], elevations: [Double?]? = nil, properties: [String: String] = [:]
    ) -> [UInt8] {
        Array(feature(coordinates, elevations: elevations, properties: properties).utf8)
    }

    private static func writeLineString(_ coordinates: [Coordinate], elevations: [Double?]?, into output: inout String)
    {
        output += #"{"type":"LineString","coordinates":["#
        var first = true
        for (index, coordinate) in coordinates.enumerated() where coordinate.isValid {
            output += first ? "[" : ",["
            first = false
            writeDecimal(coordinate.longitude, decimals: 7, into: &output)
            output += ","
            writeDecimal(coordinate.latitude, decimals: 7, into: &output)
            if let elevations, index < elevations.count, let elevation = elevations[index], elevation.isFinite {
                output += ","
                writeDecimal(elevation, decimals: 1, into: &output)
            }
            output += "]"
        }
        output += "]}"
    }

    /// Fixed-point formatting with trailing zeros trimmed: `8.5`, `-0.0000001`, `12`.
    static func writeDecimal(_ value: Double, decimals: Int, into output: inout String) {
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let clamped = min(max(value, -9e11), 9e11)
        let scaled = Int64((clamped * Double(scale)).rounded())
        if scaled < 0 { output += "-" }
        let magnitude = scaled.magnitude
        output += String(magnitude / UInt64(scale))
        var fraction = magnitude % UInt64(scale)
        guard fraction != 0 else { return }
        var digits = decimals
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        output += "."
        output += String(repeating: "0", count: digits - text.count)
        output += text
    }

    private static func writeString(_ value: String, into output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
