import Analytics
import Foundation
import HTTPAPI

/// What a client sends to create a goal.
public struct GoalDraft: Codable, Sendable {
    public var type: GoalType
    public var period: GoalPeriod?
    public var sport: Sport?
    public var target: Double
    public var startDate: String?
    public var endDate: String?
    public var name: String?
}

extension Goal {
    /// Largest target per type, in SI units: far above any human feat, low enough to catch typos.
    static let targetLimits: [GoalType: ClosedRange<Double>] = [
        .distance: 1...100_000_000,
        .duration: 60...100_000_000,
        .activityCount: 1...100_000,
        .elevation: 1...10_000_000,
        .bodyWeight: 20...400,
    ]

    /// A new goal from a draft, or the list of what is wrong with it.
    public init(draft: GoalDraft, id: UUID, userID: UUID, now: Date) throws(AccountsError) {
        self.init(
            id: id, userID: userID, type: draft.type,
            period: draft.period ?? (draft.type.isCumulative ? .week : .custom),
            sport: draft.sport, target: draft.target, startDate: draft.startDate, endDate: draft.endDate,
            name: draft.name?.trimmingCharacters(in: .whitespacesAndNewlines), createdAt: now, updatedAt: now)
        if draft.type.isCumulative && draft.period == nil {
            throw .validation([FieldIssue("#/period", "is required for a \(draft.type.rawValue) goal")])
        }
        try validate()
    }

    /// Applies a merge patch (`period`, `sport`, `target`, dates, `name`; the type is fixed).
    public mutating func apply(patch: [String: JSONValue], now: Date) throws(AccountsError) {
        var reader = MergePatch(patch)
        var next = self
        if patch["type"] != nil {
            reader.issue("type", "cannot be changed; create a new goal instead")
        }
        if let value = reader.required(reader.enumeration("period", GoalPeriod.self), "period") { next.period = value }
        if let value = reader.nullable(reader.enumeration("sport", Sport.self)) { next.sport = value }
        if let value = reader.required(reader.number("target"), "target") { next.target = value }
        if let value = reader.nullable(reader.string("startDate")) { next.startDate = value }
        if let value = reader.nullable(reader.string("endDate")) { next.endDate = value }
        if let value = reader.nullable(reader.string("name")) {
            next.name = value?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        reader.rejectUnknownMembers()
        guard reader.issues.isEmpty else { throw .validation(reader.issues) }
        try next.validate()
        next.updatedAt = now
        self = next
    }

    /// Checks the goal as a whole: target range, dates, and what its type allows.
    func validate() throws(AccountsError) {
        var issues: [FieldIssue] = []
        if let limits = Self.targetLimits[type], !(target.isFinite && limits.contains(target)) {
            issues.append(FieldIssue("#/target", "must be between \(limits.lowerBound) and \(limits.upperBound)"))
        }
        for (pointer, day) in [("#/startDate", startDate), ("#/endDate", endDate)] {
            if let day {
                FieldRules.day(day, pointer: pointer, earliest: "1900-01-01", latest: "2999-12-31", issues: &issues)
            }
        }
        if let startDate, let endDate, FieldRules.isDay(startDate), FieldRules.isDay(endDate), startDate > endDate {
            issues.append(FieldIssue("#/endDate", "must not be before startDate"))
        }
        if period == .custom && type.isCumulative && (startDate == nil || endDate == nil) {
            issues.append(FieldIssue(startDate == nil ? "#/startDate" : "#/endDate", "is required for a custom period"))
        }
        if type == .bodyWeight {
            if period != .custom {
                issues.append(FieldIssue("#/period", "must be custom (or absent) for a body_weight goal"))
            }
            if sport != nil { issues.append(FieldIssue("#/sport", "does not apply to a body_weight goal")) }
        }
        if let name, name.isEmpty || name.count > FieldRules.maxNameLength {
            issues.append(FieldIssue("#/name", "must be 1 to \(FieldRules.maxNameLength) characters"))
        }
        if !issues.isEmpty { throw .validation(issues) }
    }
}
