import ActivityFiles
import Analytics
import EventLog
import Foundation
import Geo
import HTTPAPI
import Persistence

/// The first step of an import: the activity imported before, or a new one ready to store.
public enum Import: Sendable {
    /// The same file or client id was imported before: this is that activity.
    case duplicate(Activity)
    /// A new activity, decoded and measured, for `ActivityService.commit(_:)`.
    case new(PreparedActivity)
}

/// A new activity with its metrics and points; its original file and point partitions are in
/// place. Only `ActivityService.commit(_:)` writes it, so callers may render it meanwhile.
public struct PreparedActivity: Sendable {
    /// The activity to store, but for `metricsJSON`: `commit(_:)` encodes `metrics` into it, off the
    /// path of a response rendered meanwhile.
    public var activity: Activity
    public var metrics: ActivityMetrics
    public var points: [TrackPoint]
    /// The points packed for the store.
    var encoded: EncodedPoints
}

/// The outcome of an import: the activity, and whether it is new.
public struct Recorded: Sendable {
    public var activity: Activity
    /// `false` when the same file or client id was imported before and that activity is returned.
    public var created: Bool
}

/// The write side of Activities: imports files and JSON sessions, computes their metrics, and
/// stores activity, points and events in one transaction; also edits, deletes and privacy zones.
public final class ActivityService: Sendable {
    let database: any Database
    let store: any ActivityStore
    let files: any FileStore
    let outbox: Outbox
    let athletes: any AthleteDirectory
    let configuration: ActivitiesConfiguration
    let now: @Sendable () -> Date
    let newID: @Sendable () -> UUID

    public init(
        database: any Database, store: any ActivityStore, files: any FileStore, outbox: Outbox,
        athletes: any AthleteDirectory, configuration: ActivitiesConfiguration,
        now: @escaping @Sendable () -> Date = Date.init, newID: @escaping @Sendable () -> UUID = UUID.init
    ) {
        self.database = database
        self.store = store
        self.files = files
        self.outbox = outbox
        self.athletes = athletes
        self.configuration = configuration
        self.now = now
        self.newID = newID
    }

    // MARK: Import

    /// Decodes and measures an uploaded file, unless the same file or `externalID` was uploaded
    /// before. Store a new one with `commit(_:)`.
    public func prepareUpload(fileName: String, bytes: [UInt8], options: UploadOptions, by identity: Identity)
        async throws -> Import
    {
        guard bytes.count <= configuration.maxUploadSize else {
            throw ActivitiesError(.tooLarge, "The file exceeds the limit of \(configuration.maxUploadSize) bytes.")
        }
        guard let (format, gzipped) = ActivityFile.format(ofFileName: fileName) else {
            throw ActivitiesError(
                .unsupportedFormat, "Cannot read \(fileName): send a .fit, .gpx or .tcx file, optionally gzipped (.gz)."
            )
        }
        // Decoding is the long part of an import: it runs beside the hash, the duplicate check and the
        // profile read, on the other core. A duplicate cancels it on the way out.
        let maxInflatedSize = configuration.maxInflatedSize
        async let decoded = Result { () throws(ActivityFileError) in
            try ActivityFile.decode(bytes, format: format, gzipped: gzipped, maxInflatedSize: maxInflatedSize)
        }
        async let profile = athletes.athlete(userID: identity.userID)
        let hash = LocalFileStore.hash(bytes)
        if let existing = try await existing(userID: identity.userID, fileHash: hash, externalID: options.externalID) {
            return .duplicate(existing)
        }
        let track: Track
        switch await decoded {
        case .success(let value): track = value
        case .failure(let error) where error.code == .cancelled:
            throw CancellationError()
        case .failure(let error):
            throw ActivitiesError(error.code == .tooLarge ? .tooLarge : .unreadableFile, error.message)
        }
        var source = ActivitySource(format: format.rawValue)
        source.manufacturer = track.device?.manufacturer
        source.product = track.device?.product
        source.fileHash = hash
        source.fileName = String(fileName.suffix(200))
        return .new(
            try await prepare(
                track: track, options: options, source: source, userID: identity.userID, profile: try await profile,
                original: (bytes, hash)))
    }

    /// Validates and measures a session sent as JSON, unless its `externalId` was imported before.
    /// Every point is checked: bad values are refused, not dropped (the sender is a program that can
    /// fix them), also when the `externalId` is known. Store a new one with `commit(_:)`.
    public func prepare(_ manual: ManualActivity, by identity: Identity) async throws -> Import {
        var track = Track(format: .manual)
        track.startTime = manual.startTime
        track.points = try Self.validatedPoints(manual.points ?? [], limit: configuration.maxJSONPoints)
        var issues: [(String, String)] = []
        let end =
            manual.endTime ?? manual.duration.map { manual.startTime.addingTimeInterval($0) } ?? track.points.last?.time
        if let end, end < manual.startTime { issues.append(("#/endTime", "must not be before startTime")) }
        if let duration = manual.duration, !(0...1_209_600).contains(duration) {
            issues.append(("#/duration", "must be between 0 and 1209600 seconds"))
        }
        if let distance = manual.distance, !(0...10_000_000).contains(distance) {
            issues.append(("#/distance", "must be between 0 and 10000000 metres"))
        }
        if let calories = manual.calories, !(0...100_000).contains(calories) {
            issues.append(("#/calories", "must be between 0 and 100000 kcal"))
        }
        if let first = track.points.first, first.time < manual.startTime {
            issues.append(("#/points/0/time", "must not be before startTime"))
        }
        if end == nil { issues.append(("#/duration", "is required when there are no points and no endTime")) }
        guard issues.isEmpty, let end else { throw ActivitiesError(.validation, "Invalid activity.", fields: issues) }
        if let existing = try await existing(userID: identity.userID, fileHash: nil, externalID: manual.externalId) {
            return .duplicate(existing)
        }
        var summary = DeviceSummary()
        summary.elapsedTime = end.timeIntervalSince(manual.startTime)
        summary.distance = manual.distance
        summary.calories = manual.calories
        track.deviceSummary = summary
        var options = UploadOptions()
        options.name = manual.name
        options.description = manual.description
        options.sport = manual.type
        options.visibility = manual.visibility
        options.externalID = manual.externalId
        return .new(
            try await prepare(
                track: track, options: options, source: ActivitySource(format: "manual"), userID: identity.userID,
                profile: try await athletes.athlete(userID: identity.userID)))
    }

    /// Records a track streamed live (source `live`), once: a second call with the same
    /// `options.externalID` returns the first activity.
    public func recordLive(_ track: Track, options: UploadOptions, userID: UUID) async throws -> Recorded {
        if let existing = try await existing(userID: userID, fileHash: nil, externalID: options.externalID) {
            return Recorded(activity: existing, created: false)
        }
        return try await commit(
            prepare(
                track: track, options: options, source: ActivitySource(format: "live"), userID: userID,
                profile: try await athletes.athlete(userID: userID)))
    }

    private func existing(userID: UUID, fileHash: String?, externalID: String?) async throws -> Activity? {
        try await database.read { session in
            try await self.store.existing(userID: userID, fileHash: fileHash, externalID: externalID, in: session)
        }
    }

    /// Computes the metrics. The `original` file is written to the file store, missing point
    /// partitions are created, and the points are packed for the store, meanwhile.
    private func prepare(
        track: Track, options: UploadOptions, source: ActivitySource, userID: UUID, profile: AthleteProfile?,
        original: (bytes: [UInt8], hash: String)? = nil
    ) async throws -> PreparedActivity {
        guard let start = track.startTime ?? track.points.first?.time else {
            throw ActivitiesError(.unreadableFile, "The file holds no timed data: no points, laps or session.")
        }
        async let stored: Void = storeOriginal(original)
        async let partitions: Void = ensurePartitions(for: track.points)
        async let encoded = store.encode(track.points, for: database.dialect)
        let sport = options.sport ?? Sport(fileSport: track.sport, subSport: track.subSport)
        let metrics = ActivityMetrics.compute(
            track: track, athlete: profile?.settings ?? AthleteSettings(), sport: sport)
        let activity = makeActivity(
            track: track, metrics: metrics, start: start, options: options, source: source, userID: userID,
            profile: profile)
        try await stored
        try await partitions
        return PreparedActivity(activity: activity, metrics: metrics, points: track.points, encoded: await encoded)
    }

    /// Stores a prepared activity, its points and `ActivityRecorded` in one transaction. When the
    /// same file or client id was stored meanwhile, that activity is returned instead.
    public func commit(_ prepared: PreparedActivity) async throws -> Recorded {
        var complete = prepared.activity
        complete.metricsJSON = Self.encode(prepared.metrics)
        let activity = complete
        do {
            try await database.transaction { session in
                try await self.outbox.append([ActivityRecorded(activity: ActivitySnapshot(activity))], in: session) {
                    try await self.store.insert(activity, points: prepared.encoded, in: $0)
                }
            }
        } catch let error as DatabaseError where error.code == .uniqueViolation {
            if let existing = try await existing(
                userID: activity.userID, fileHash: activity.source.fileHash, externalID: activity.externalID)
            {
                return Recorded(activity: existing, created: false)
            }
            throw error
        }
        return Recorded(activity: activity, created: true)
    }

    private func ensurePartitions(for points: [TrackPoint]) async throws {
        if let first = points.first, let last = points.last {
            try await PointPartitions.ensure(from: first.time, through: last.time, in: database)
        }
    }

    private func storeOriginal(_ original: (bytes: [UInt8], hash: String)?) async throws {
        if let original { try await files.put(original.bytes, hash: original.hash) }
    }

    func makeActivity(
        track: Track, metrics: ActivityMetrics, start: Date, options: UploadOptions, source: ActivitySource,
        userID: UUID, profile: AthleteProfile?
    ) -> Activity {
        let device = track.deviceSummary
        let duration =
            metrics.elapsedTime ?? device?.elapsedTime ?? track.points.last.map { $0.time.timeIntervalSince(start) }
            ?? 0
        var summary = ActivitySummary(
            duration: duration, movingTime: metrics.movingTime ?? device?.timerTime ?? duration,
            distance: metrics.distance ?? device?.distance ?? 0)
        summary.calories = metrics.calories ?? device?.calories
        summary.elevationGain = metrics.elevationGain
        summary.elevationLoss = metrics.elevationLoss
        summary.averageSpeed = metrics.averageSpeed
        summary.maxSpeed = metrics.maxSpeed
        summary.averageHeartRate = metrics.averageHeartRate
        summary.maxHeartRate = metrics.maxHeartRate
        summary.averageCadence = metrics.averageCadence
        summary.maxCadence = metrics.maxCadence
        summary.averagePower = metrics.averagePower
        summary.maxPower = metrics.maxPower
        summary.normalizedPower = metrics.normalizedPower
        let time = now()
        return Activity(
            id: newID(), userID: userID, sport: metrics.sport.rawValue, subSport: track.subSport,
            name: options.name ?? track.name ?? Self.defaultName(sport: metrics.sport, start: start),
            description: options.description, startTime: start, endTime: start.addingTimeInterval(duration),
            timeZone: profile?.timeZone ?? "UTC",
            visibility: options.visibility ?? profile?.defaultVisibility ?? .private, summary: summary, source: source,
            externalID: options.externalID, pointCount: track.points.count,
            bounds: BoundingBox(track.points.lazy.compactMap(\.coordinate)), metricsJSON: "",
            metricSetVersion: metrics.metricSetVersion, createdAt: time,
            updatedAt: time)
    }

    /// "Morning Run"-style names by the UTC hour of the start.
    static func defaultName(sport: Sport, start: Date) -> String {
        let hour =
            Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: start).hour ?? 12
        let part =
            hour < 5 ? "Night" : hour < 12 ? "Morning" : hour < 17 ? "Afternoon" : hour < 21 ? "Evening" : "Night"
        let words = sport.rawValue.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return "\(part) \(words.joined(separator: " "))"
    }

    static func encode(_ metrics: ActivityMetrics) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return (try? encoder.encode(metrics)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Points of a JSON session, checked value by value; time must strictly increase.
    static func validatedPoints(_ points: [TrackPoint], limit: Int) throws -> [TrackPoint] {
        guard points.count <= limit else {
            throw ActivitiesError(
                .validation, "Too many points.", fields: [("#/points", "must have at most \(limit) points")])
        }
        var issues: [(String, String)] = []
        for (index, point) in points.enumerated() where issues.count < 20 {
            for (field, message) in point.problems {
                issues.append(("#/points/\(index)" + (field.map { "/" + $0 } ?? ""), message))
            }
            if index > 0, point.time <= points[index - 1].time {
                issues.append(("#/points/\(index)/time", "must be later than the previous point's time"))
            }
        }
        guard issues.isEmpty else { throw ActivitiesError(.validation, "Invalid points.", fields: issues) }
        return points
    }

    // MARK: Changes

    public func update(id: UUID, changes: ActivityChanges, by identity: Identity) async throws -> Activity {
        try await database.transaction { session in
            let before = try await self.owned(id: id, identity: identity, in: session)
            var after = before
            var changed: [String] = []
            if let name = changes.name, name != before.name {
                after.name = name
                changed.append("name")
            }
            if let description = changes.description, description != before.description {
                after.description = description
                changed.append("description")
            }
            if let sport = changes.sport, sport.rawValue != before.sport {
                after.sport = sport.rawValue
                changed.append("sport")
            }
            if let visibility = changes.visibility, visibility != before.visibility {
                after.visibility = visibility
                changed.append("visibility")
            }
            guard !changed.isEmpty else { return before }
            after.updatedAt = self.now()
            let event = ActivityUpdated(
                before: ActivitySnapshot(before), after: ActivitySnapshot(after), changedFields: changed)
            try await self.outbox.append([event], in: session) { try await self.store.update(after, in: $0) }
            return after
        }
    }

    /// Deletes the activity, its points and (when no other activity shares it) its original file.
    public func delete(id: UUID, by identity: Identity) async throws {
        let (activity, sharing) = try await database.transaction { session in
            let activity = try await self.owned(id: id, identity: identity, in: session)
            // Several statements: the append comes after them, so that the head's lock is taken last.
            let sharing = try await self.store.delete(activity, in: session)
            try await self.outbox.append([ActivityDeleted(activity: ActivitySnapshot(activity))], in: session)
            return (activity, sharing)
        }
        if let hash = activity.source.fileHash, sharing == 0 {
            try await files.delete(hash)
        }
    }

    private func owned(id: UUID, identity: Identity, in session: any DatabaseSession) async throws -> Activity {
        guard let activity = try await store.activity(id: id, in: session) else {
            throw ActivitiesError(.notFound, "No such activity.")
        }
        guard activity.userID == identity.userID else {
            // Others learn no more than a 404 would tell them about activities they cannot see.
            throw activity.visibility == .public
                ? ActivitiesError(.forbidden, "Only the owner can change an activity.")
                : ActivitiesError(.notFound, "No such activity.")
        }
        return activity
    }

    // MARK: Privacy zones

    public func addPrivacyZone(latitude: Double, longitude: Double, radius: Double, by identity: Identity) async throws
        -> PrivacyZone
    {
        var issues: [(String, String)] = []
        if !(-90...90).contains(latitude) { issues.append(("#/latitude", "must be between -90 and 90")) }
        if !(-180...180).contains(longitude) { issues.append(("#/longitude", "must be between -180 and 180")) }
        if !PrivacyZone.radiusRange.contains(radius) {
            issues.append(("#/radius", "must be between 100 and 2000 metres"))
        }
        guard issues.isEmpty else { throw ActivitiesError(.validation, "Invalid privacy zone.", fields: issues) }
        let zone = PrivacyZone(
            id: newID(), userID: identity.userID, latitude: latitude, longitude: longitude, radius: radius,
            createdAt: now())
        try await database.transaction { try await self.store.insert(zone, in: $0) }
        return zone
    }

    public func privacyZones(of identity: Identity) async throws -> [PrivacyZone] {
        try await database.read { try await self.store.privacyZones(userID: identity.userID, in: $0) }
    }

    public func deletePrivacyZone(id: UUID, by identity: Identity) async throws {
        let deleted = try await database.transaction { session in
            try await self.store.deletePrivacyZone(id: id, userID: identity.userID, in: session)
        }
        guard deleted else { throw ActivitiesError(.notFound, "No such privacy zone.") }
    }
}

extension TrackPoint {
    /// Each sample value's plausible range, by its JSON name: JSON sessions and live streams are held to them.
    /// Made once: every live point is checked against it.
    public static let valueRanges:
        [(name: String, value: any KeyPath<TrackPoint, Double?> & Sendable, range: ClosedRange<Double>)] = [
            ("latitude", \.latitude, -90...90), ("longitude", \.longitude, -180...180),
            ("altitude", \.altitude, -500...9_000), ("distance", \.distance, 0...10_000_000),
            ("speed", \.speed, 0...150),
            ("heartRate", \.heartRate, 0...300), ("cadence", \.cadence, 0...300), ("power", \.power, 0...3_000),
            ("temperature", \.temperature, -60...70),
        ]

    /// What makes the point implausible, each with the JSON name of its field (nil for the point as
    /// a whole): values outside ``valueRanges``, and a latitude without a longitude or the reverse.
    /// JSON sessions and live streams report them in their own forms.
    public var problems: [(field: String?, message: String)] {
        var problems: [(field: String?, message: String)] = Self.valueRanges.compactMap { name, value, range in
            self[keyPath: value].flatMap {
                range.contains($0) ? nil : (name, "must be between \(range.lowerBound) and \(range.upperBound)")
            }
        }
        if (latitude == nil) != (longitude == nil) { problems.append((nil, "latitude and longitude go together")) }
        return problems
    }

    /// The position, when the point has one.
    public var coordinate: Coordinate? {
        guard let latitude, let longitude else { return nil }
        return Coordinate(latitude: latitude, longitude: longitude)
    }
}
