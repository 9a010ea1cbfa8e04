import Foundation
import HTTPAPI

extension User {
    /// Applies a JSON merge patch to the profile and returns the names of the changed fields.
    ///
    /// Every member is checked; all problems are reported together and nothing is applied unless
    /// the whole patch is valid.
    public mutating func apply(patch: [String: JSONValue], now: Date) throws(AccountsError) -> [String] {
        var reader = MergePatch(patch)
        var next = self
        if let value = reader.required(reader.string("name"), "name") {
            next.name = FieldRules.name(value, pointer: "#/name", issues: &reader.issues)
        }
        if let value = reader.required(reader.string("email"), "email") {
            next.email = FieldRules.email(value, pointer: "#/email", issues: &reader.issues)
        }
        if let value = reader.nullable(reader.string("dob")) {
            if let value {
                FieldRules.day(
                    value, pointer: "#/dob", earliest: "1900-01-01", latest: FieldRules.today(now),
                    issues: &reader.issues)
            }
            next.dob = value
        }
        if let value = reader.nullable(reader.number("height")) {
            if let value { FieldRules.range(value, 0.5...2.75, pointer: "#/height", unit: "m", issues: &reader.issues) }
            next.height = value
        }
        if let value = reader.nullable(reader.number("weight")) {
            if let value { FieldRules.range(value, 20...400, pointer: "#/weight", unit: "kg", issues: &reader.issues) }
            next.weight = value
        }
        if let value = reader.nullable(reader.enumeration("gender", Gender.self)) {
            next.gender = value
        }
        if let value = reader.required(reader.enumeration("unitSystem", UnitSystem.self), "unitSystem") {
            next.unitSystem = value
        }
        if let value = reader.required(reader.string("timeZone"), "timeZone") {
            FieldRules.timeZone(value, pointer: "#/timeZone", issues: &reader.issues)
            next.timeZone = value
        }
        if let value = reader.required(reader.enumeration("defaultVisibility", Visibility.self), "defaultVisibility") {
            next.defaultVisibility = value
        }
        if let zones = reader.required(reader.object("zones"), "zones") {
            var zoneReader = MergePatch(zones, prefix: "#/zones")
            next.zones.apply(&zoneReader)
            zoneReader.rejectUnknownMembers()
            reader.issues += zoneReader.issues
        }
        reader.rejectUnknownMembers()
        guard reader.issues.isEmpty else { throw .validation(reader.issues) }
        let changed = next.changedFields(from: self)
        if !changed.isEmpty {
            next.updatedAt = now
        }
        self = next
        return changed
    }

    func changedFields(from old: User) -> [String] {
        var changed: [String] = []
        if name != old.name { changed.append("name") }
        if email != old.email { changed.append("email") }
        if dob != old.dob { changed.append("dob") }
        if height != old.height { changed.append("height") }
        if weight != old.weight { changed.append("weight") }
        if gender != old.gender { changed.append("gender") }
        if unitSystem != old.unitSystem { changed.append("unitSystem") }
        if timeZone != old.timeZone { changed.append("timeZone") }
        if defaultVisibility != old.defaultVisibility { changed.append("defaultVisibility") }
        if zones != old.zones { changed.append("zones") }
        return changed
    }
}

extension TrainingZones {
    mutating func apply(_ reader: inout MergePatch) {
        let heartRates: [(String, WritableKeyPath<TrainingZones, Int?>, ClosedRange<Int>)] = [
            ("maxHeartRate", \.maxHeartRate, 100...250),
            ("restingHeartRate", \.restingHeartRate, 25...120),
            ("thresholdHeartRate", \.thresholdHeartRate, 80...240),
            ("functionalThresholdPower", \.functionalThresholdPower, 30...2000),
        ]
        for (key, path, range) in heartRates {
            if let value = reader.nullable(reader.integer(key)) {
                if let value {
                    FieldRules.range(
                        value, range, pointer: reader.pointer(key), unit: key.hasSuffix("Power") ? "W" : "bpm",
                        issues: &reader.issues)
                }
                self[keyPath: path] = value
            }
        }
        if let value = reader.nullable(reader.number("thresholdSpeed")) {
            if let value {
                FieldRules.range(
                    value, 0.5...10, pointer: reader.pointer("thresholdSpeed"), unit: "m/s", issues: &reader.issues)
            }
            thresholdSpeed = value
        }
    }
}
