import Foundation

/// The checks both XML decoders apply to each value before it enters a ``TrackPoint``: a value that
/// cannot be true is dropped (the field becomes nil), never the whole point or file.
enum PlausibleValues {
    /// A position needs both coordinates: if either is missing, not finite or out of range
    /// (latitude −90…90, longitude −180…180), both are dropped.
    static func position(latitude: Double?, longitude: Double?) -> (latitude: Double, longitude: Double)? {
        guard let latitude, let longitude, (-90...90).contains(latitude), (-180...180).contains(longitude) else {
            return nil
        }
        return (latitude, longitude)
    }

    /// Heart rate in 0…300 bpm.
    static func heartRate(_ value: Double?) -> Double? {
        guard let value, (0...300).contains(value) else { return nil }
        return value
    }

    /// Finite and not negative (cadence, power, speed, distance).
    static func nonNegative(_ value: Double?) -> Double? {
        guard let value, value.isFinite, value >= 0 else { return nil }
        return value
    }

    /// Finite (altitude, temperature).
    static func finite(_ value: Double?) -> Double? {
        guard let value, value.isFinite else { return nil }
        return value
    }

    /// A sport or type name as the file writes it, lowercased with underscores (`Trail Running` →
    /// `trail_running`); nil when blank.
    static func sportName(_ text: String?) -> String? {
        guard let text else { return nil }
        var result = ""
        for character in text.lowercased() {
            if character == " " || character == "-" {
                if !result.isEmpty, result.last != "_" { result.append("_") }
            } else {
                result.append(character)
            }
        }
        while result.last == "_" { result.removeLast() }
        return result.isEmpty ? nil : result
    }
}
