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

    /// The positions `lineString` and `feature` write, as numbers: `[longitude, latitude]` or
    /// `[longitude, latitude, elevation]`, rounded as written and with the same positions skipped, so
    /// that `JSONEncoder` prints them with the same digits (a decimal of up to 7 places is the double
    /// nearest to it either way).
    public static func positions(_ coordinates: [Coordinate], elevations: [Double?]? = nil) -> [[Double]] {
        var positions: [[Double]] = []
        positions.reserveCapacity(coordinates.count)
        forEachPosition(coordinates, elevations: elevations) { longitude, latitude, elevation in
            let degree = Double(power(degreeDecimals))
            var position = [Double(longitude) / degree, Double(latitude) / degree]
            if let elevation { position.append(Double(elevation) / Double(power(elevationDecimals))) }
            positions.append(position)
        }
        return positions
    }

    private static func writeLineString(_ coordinates: [Coordinate], elevations: [Double?]?, into output: inout String)
    {
        output += #"{"type":"LineString","coordinates":["#
        var first = true
        forEachPosition(coordinates, elevations: elevations) { longitude, latitude, elevation in
            output += first ? "[" : ",["
            first = false
            writeScaled(longitude, decimals: degreeDecimals, into: &output)
            output += ","
            writeScaled(latitude, decimals: degreeDecimals, into: &output)
            if let elevation {
                output += ","
                writeScaled(elevation, decimals: elevationDecimals, into: &output)
            }
            output += "]"
        }
        output += "]}"
    }

    /// Decimals written for degrees (about 1 cm) and for metres.
    private static let degreeDecimals = 7
    private static let elevationDecimals = 1

    /// Calls `body` with each valid coordinate as longitude and latitude in units of 10⁻⁷ degrees and
    /// its finite elevation, if any, in decimetres.
    private static func forEachPosition(
        _ coordinates: [Coordinate], elevations: [Double?]?, _ body: (Int64, Int64, Int64?) -> Void
    ) {
        for (index, coordinate) in coordinates.enumerated() where coordinate.isValid {
            var scaledElevation: Int64?
            if let elevations, index < elevations.count, let elevation = elevations[index], elevation.isFinite {
                scaledElevation = scaled(elevation, decimals: elevationDecimals)
            }
            body(
                scaled(coordinate.longitude, decimals: degreeDecimals),
                scaled(coordinate.latitude, decimals: degreeDecimals), scaledElevation)
        }
    }

    /// `value` × 10^`decimals`, rounded (clamped to ±9·10¹¹ first).
    private static func scaled(_ value: Double, decimals: Int) -> Int64 {
        let clamped = min(max(value, -9e11), 9e11)
        return Int64((clamped * Double(power(decimals))).rounded())
    }

    private static func power(_ decimals: Int) -> Int64 {
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        return scale
    }

    /// Writes `scaled` / 10^`decimals` in fixed point with trailing zeros trimmed: `8.5`,
    /// `-0.0000001`, `12`.
    private static func writeScaled(_ scaled: Int64, decimals: Int, into output: inout String) {
        let scale = UInt64(power(decimals))
        if scaled < 0 { output += "-" }
        let magnitude = scaled.magnitude
        output += String(magnitude / scale)
        var fraction = magnitude % scale
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

/// A GeoJSON `Feature` with a `LineString` geometry and no properties, as a value for `JSONEncoder`:
/// encoded with sorted keys it is the JSON that ``GeoJSON/feature(_:elevations:properties:)`` writes,
/// without writing text and parsing it back.
public struct LineStringFeature: Encodable, Sendable, Equatable {
    /// The geometry object.
    public struct Geometry: Encodable, Sendable, Equatable {
        public let type = "LineString"
        /// ``GeoJSON/positions(_:elevations:)`` of the line.
        public var coordinates: [[Double]]
    }

    public let type = "Feature"
    public var geometry: Geometry
    public let properties: [String: String] = [:]

    public init(_ coordinates: [Coordinate], elevations: [Double?]? = nil) {
        geometry = Geometry(coordinates: GeoJSON.positions(coordinates, elevations: elevations))
    }
}
