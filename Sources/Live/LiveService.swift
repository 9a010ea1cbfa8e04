import Activities
import ActivityFiles
import Analytics
import Crypto
import Foundation
import Geo
import HTTPAPI
import Logging
import Metrics
import Persistence

/// The live-tracking use cases: opening and resuming device sessions, durable points with
/// deduplication, pauses, turning a session into an activity, spectator access and share links.
public final class LiveService: Sendable {
    /// Made once, as `DeviceConnection.durable`.
    static let pointsStored = Counter(label: "stamina_live_points_total")
    let database: any Database
    let sink: any LivePointSink
    let fanout: any LiveFanout
    let hub: LiveHub
    let activities: ActivityService
    let activityStore: any ActivityStore
    let athletes: any AthleteDirectory
    let configuration: LiveConfiguration
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        database: any Database, sink: any LivePointSink, fanout: any LiveFanout, hub: LiveHub,
        activities: ActivityService, activityStore: any ActivityStore, athletes: any AthleteDirectory,
        configuration: LiveConfiguration, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.database = database
        self.sink = sink
        self.fanout = fanout
        self.hub = hub
        self.activities = activities
        self.activityStore = activityStore
        self.athletes = athletes
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    /// A session as a device connection holds it: the row, the metrics so far and what spectators may not see.
    struct Opened {
        var session: LiveSession
        var resumed: Bool
        var ackedSeq: Int64
        var lastTime: Date?
        var tracker: LiveMetricsTracker
        var zones: [Geo.PrivacyZone]
    }

    // MARK: Device

    /// Opens a new session, or resumes the open one with this client id (rebuilding its metrics from
    /// the stored points). A finished or abandoned one is `session_closed`.
    func start(_ message: DeviceMessage, identity: Identity) async throws -> Opened {
        guard let clientID = message.clientSessionId, (1...100).contains(clientID.count) else {
            throw LiveError(.invalidMessage, "start needs clientSessionId, 1 to 100 characters.")
        }
        guard let sport = message.sport, let startedAt = message.startedAt else {
            throw LiveError(.invalidMessage, "start needs sport and startedAt.")
        }
        guard startedAt <= now().addingTimeInterval(configuration.maxClockSkew) else {
            throw LiveError(.invalidMessage, "startedAt is in the future.")
        }
        let profile = try await athletes.athlete(userID: identity.userID)
        let zones = try await database.read { session in
            try await self.activityStore.privacyZones(userID: identity.userID, in: session)
        }.map(\.circle)
        let time = now()
        let candidate = LiveSession(
            id: UUID(), userID: identity.userID, clientSessionID: clientID, sport: sport,
            visibility: message.visibility ?? profile?.defaultVisibility ?? .private,
            name: message.name.map { String($0.prefix(200)) }, startedAt: startedAt, state: .live, timerEvents: [],
            activityID: nil, updatedAt: time)
        let session = try await database.autocommit { try await LiveStore.upsert(candidate, in: $0) }
        guard session.state.isOpen else {
            throw LiveError(
                .sessionClosed, "This session was \(session.state.rawValue).", activityID: session.activityID)
        }
        let resumed = session.id != candidate.id
        var points: [LivePoint] = []
        if resumed {
            try await sink.settle(sessionID: session.id)
            points = try await database.read { try await LiveStore.points(sessionID: session.id, in: $0) }
        }
        let tracker = Self.tracker(of: session, points: points, profile: profile)
        return Opened(
            session: session, resumed: resumed, ackedSeq: points.last?.seq ?? 0, lastTime: points.last?.point.time,
            tracker: tracker, zones: zones)
    }

    /// The metrics of a session so far: its points with its pauses in between.
    static func tracker(of session: LiveSession, points: [LivePoint], profile: AthleteProfile?) -> LiveMetricsTracker {
        var tracker = LiveMetricsTracker(
            sport: session.sport, startedAt: session.startedAt,
            heartRateZones: profile?.settings.resolved.heartRateZones)
        var events = session.timerEvents[...]
        for point in points {
            while let event = events.first, event.time <= point.point.time {
                tracker.apply(event)
                events.removeFirst()
            }
            tracker.add(point)
        }
        for event in events { tracker.apply(event) }
        return tracker
    }

    /// Checks a batch and returns the points not stored yet, in order. Points at or below the acked
    /// seq are resends and are dropped; anything else out of order refuses the whole batch.
    func newPoints(_ wire: [WirePoint], after opened: Opened) -> Result<[LivePoint], LiveError> {
        guard wire.count <= configuration.maxPointsPerMessage else {
            return .failure(
                LiveError(.tooManyPoints, "Send at most \(configuration.maxPointsPerMessage) points per message."))
        }
        var result: [LivePoint] = []
        var seq = opened.ackedSeq
        var time = opened.lastTime ?? opened.session.startedAt.addingTimeInterval(-1)
        let latest = now().addingTimeInterval(configuration.maxClockSkew)
        for item in wire where item.seq > opened.ackedSeq {
            let point: LivePoint
            switch item.validated() {
            case .success(let valid): point = valid
            case .failure(let error): return .failure(error)
            }
            guard point.seq > seq else {
                return .failure(LiveError(.outOfOrder, "seq must increase (after \(seq)).", seq: point.seq))
            }
            guard point.point.time > time else {
                return .failure(
                    LiveError(
                        .outOfOrder, "time must be later than the previous point's and not before startedAt.",
                        seq: point.seq))
            }
            guard point.point.time <= latest else {
                return .failure(LiveError(.invalidPoint, "time is in the future.", seq: point.seq))
            }
            seq = point.seq
            time = point.point.time
            result.append(point)
        }
        return .success(result)
    }

    /// Takes in points the sink has made durable: the metrics, the acked seq, and a broadcast to spectators.
    func record(_ points: [LivePoint], in opened: inout Opened) {
        let afterSeq = opened.ackedSeq
        Self.pointsStored.increment(by: points.count)
        for point in points { opened.tracker.add(point) }
        if let last = points.last {
            opened.ackedSeq = last.seq
            opened.lastTime = last.point.time
        }
        let sessionID = opened.session.id
        guard fanout.mayHaveWatchers(sessionID), let last = points.last else { return }
        let frame = ServerFrame.points(Self.visible(points, zones: opened.zones), metrics: opened.tracker.metrics)
        fanout.publish(.points(afterSeq: afterSeq, lastSeq: last.seq, frame: frame), to: sessionID)
    }

    /// Pauses (`.stop`) or resumes (`.start`) the session.
    func timer(_ kind: TimerEvent.Kind, at time: Date, opened: inout Opened) async throws {
        var session = opened.session
        guard (kind == .stop) == (session.state == .live) else { return }
        session.timerEvents.append(TimerEvent(time: time, kind: kind))
        session.state = kind == .stop ? .paused : .live
        session.updatedAt = now()
        let updated = session
        guard try await database.transaction({ try await LiveStore.update(updated, in: $0) }) else {
            throw try await closedError(session.id) ?? LiveError(.sessionClosed, "This session was closed.")
        }
        opened.session = session
        opened.tracker.apply(TimerEvent(time: time, kind: kind))
        fanout.publish(
            .state(frame: ServerFrame.text(ServerFrame.State(state: session.state, metrics: opened.tracker.metrics))),
            to: session.id)
    }

    /// The `session_closed` error when the session is no longer open (closed by a sweeper or
    /// another connection), nil while it is.
    func closedError(_ id: UUID) async throws -> LiveError? {
        let session = try await database.read { try await LiveStore.session(id: id, in: $0) }
        guard session?.state.isOpen != true else { return nil }
        return LiveError(
            .sessionClosed, "This session was \(session?.state.rawValue ?? "closed").", activityID: session?.activityID)
    }

    /// Records the session as an activity (the same `ActivityRecorded` as an upload), closes it as
    /// `state` and tells its spectators. Safe to repeat: the activity's client id is the session's.
    /// An abandoned session without a single point is closed without an activity.
    @discardableResult
    func close(
        _ session: LiveSession, as state: LiveState, at time: Date?, name: String?, through seq: Int64? = nil
    ) async throws -> UUID? {
        if let seq { try await sink.stored(sessionID: session.id, through: seq) }
        try await sink.settle(sessionID: session.id)
        let points = try await database.read { try await LiveStore.points(sessionID: session.id, in: $0) }
        if state == .abandoned && points.isEmpty {
            var closed = session
            closed.state = state
            closed.updatedAt = now()
            let final = closed
            _ = try await database.transaction { try await LiveStore.update(final, in: $0) }
            fanout.publish(.ended(frame: ServerFrame.text(ServerFrame.Finished(type: state.rawValue))), to: session.id)
            return nil
        }
        var track = Track(format: .manual)
        track.startTime = session.startedAt
        track.points = points.map(\.point)
        track.timerEvents = session.timerEvents
        let end = max(
            time ?? points.last?.point.time ?? session.startedAt, points.last?.point.time ?? session.startedAt)
        var summary = DeviceSummary()
        summary.elapsedTime = max(0, end.timeIntervalSince(session.startedAt))
        track.deviceSummary = summary
        var options = UploadOptions()
        options.name = name.map { String($0.prefix(200)) } ?? session.name
        options.sport = session.sport
        options.visibility = session.visibility
        options.externalID = "live:\(session.id.uuidString.lowercased())"
        let recorded = try await activities.recordLive(track, options: options, userID: session.userID)
        var closed = session
        closed.state = state
        closed.activityID = recorded.activity.id
        closed.updatedAt = now()
        let final = closed
        try await database.transaction { db in
            if try await LiveStore.update(final, in: db) {
                try await LiveStore.deletePoints(sessionID: final.id, in: db)
            }
        }
        let frame = ServerFrame.text(ServerFrame.Finished(type: state.rawValue, activityId: recorded.activity.id))
        fanout.publish(.ended(frame: frame), to: session.id)
        return recorded.activity.id
    }

    /// Closes every open session silent for longer than `abandonAfter`; returns how many.
    public func closeAbandoned() async throws -> Int {
        let cutoff = now().addingTimeInterval(-configuration.abandonAfter)
        let silent = try await database.read { try await LiveStore.silentSessions(since: cutoff, in: $0) }
            .filter { !sink.heard(from: $0.id, since: cutoff) }
        for session in silent {
            do {
                try await close(session, as: .abandoned, at: nil, name: nil)
                logger.info("live session abandoned", metadata: ["session": "\(session.id)"])
            } catch {
                logger.error(
                    "abandoned live session not recorded",
                    metadata: ["session": "\(session.id)", "error": "\(String(reflecting: error))"])
            }
        }
        return silent.count
    }

    static func visible(_ points: [LivePoint], zones: [Geo.PrivacyZone]) -> [WirePoint] {
        guard !zones.isEmpty else { return points.map { WirePoint($0) } }
        return points.filter { live in
            guard let coordinate = live.point.coordinate else { return true }
            return !zones.contains { $0.contains(coordinate) }
        }.map { WirePoint($0) }
    }

    // MARK: Spectators

    /// Who is asking to watch: a signed-in user, a share-link holder, or both.
    public struct Viewer: Sendable {
        public var identity: Identity?
        public var shareToken: String?

        public init(identity: Identity?, shareToken: String?) {
            self.identity = identity
            self.shareToken = shareToken
        }
    }

    /// The session if `viewer` may watch it, and the share that allowed it (when it took one); 404 otherwise.
    func authorize(sessionID: UUID, viewer: Viewer) async throws -> (LiveSession, shareID: UUID?) {
        let (session, share) = try await database.read { db in
            let session = try await LiveStore.session(id: sessionID, in: db)
            var share: LiveShare?
            if let token = viewer.shareToken {
                share = try await LiveStore.share(tokenHash: Self.hash(shareToken: token), in: db)
            }
            return (session, share)
        }
        guard let session else { throw Problem.notFound("No such live session.") }
        if let identity = viewer.identity,
            identity.userID == session.userID || session.visibility == .public
        {
            return (session, nil)
        }
        if let share, share.sessionID == session.id { return (session, share.id) }
        throw Problem.notFound("No such live session.")
    }

    /// The track so far as spectators see it, with the metrics, and the highest seq included.
    func snapshot(of session: LiveSession) async throws -> (frame: String, lastSeq: Int64, zones: [Geo.PrivacyZone]) {
        try await sink.settle(sessionID: session.id)
        let (points, zones) = try await database.read { db in
            (
                try await LiveStore.points(sessionID: session.id, in: db),
                try await self.activityStore.privacyZones(userID: session.userID, in: db)
            )
        }
        let circles = zones.map(\.circle)
        let tracker = Self.tracker(
            of: session, points: points, profile: try await athletes.athlete(userID: session.userID))
        let frame = ServerFrame.text(
            ServerFrame.Snapshot(
                session: LiveSessionSummary(session), points: Self.visible(points, zones: circles),
                metrics: tracker.metrics))
        return (frame, points.last?.seq ?? 0, circles)
    }

    /// Points after `seq` and before `before`, for a spectator that missed a broadcast.
    func points(of session: LiveSession, after seq: Int64, through last: Int64, zones: [Geo.PrivacyZone])
        async throws -> [WirePoint]
    {
        // Acked points may still be on their way to the table (distributed mode).
        try await sink.stored(sessionID: session.id, through: last)
        let points = try await database.read {
            try await LiveStore.points(sessionID: session.id, after: seq, before: last + 1, in: $0)
        }
        return Self.visible(points, zones: zones)
    }

    /// The user's sessions in progress that `viewer` may watch.
    public func liveSessions(of userID: UUID, viewer: Identity) async throws -> [LiveSessionSummary] {
        let sessions = try await database.read { try await LiveStore.openSessions(userID: userID, in: $0) }
        return sessions.filter { $0.userID == viewer.userID || $0.visibility == .public }.map(LiveSessionSummary.init)
    }

    // MARK: Share links

    /// A new share link of the owner's session; the token is shown once.
    public func createShare(sessionID: UUID, by identity: Identity) async throws -> (LiveShare, token: String) {
        let token = Base64URL.encode(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }))
        let share = LiveShare(id: UUID(), sessionID: sessionID, createdAt: now(), revokedAt: nil)
        try await database.transaction { db in
            _ = try await self.owned(sessionID, by: identity, in: db)
            try await LiveStore.insert(share, tokenHash: Self.hash(shareToken: token), in: db)
        }
        return (share, token)
    }

    public func shares(sessionID: UUID, by identity: Identity) async throws -> [LiveShare] {
        try await database.read { db in
            _ = try await self.owned(sessionID, by: identity, in: db)
            return try await LiveStore.shares(sessionID: sessionID, in: db)
        }
    }

    /// Revokes the link and disconnects the spectators who came through it.
    public func revokeShare(_ shareID: UUID, sessionID: UUID, by identity: Identity) async throws {
        let time = now()
        let revoked = try await database.transaction { db in
            _ = try await self.owned(sessionID, by: identity, in: db)
            return try await LiveStore.revoke(shareID: shareID, sessionID: sessionID, at: time, in: db)
        }
        guard revoked else { throw Problem.notFound("No such share link.") }
        fanout.publish(.revoked(shareID: shareID), to: sessionID)
    }

    private func owned(_ sessionID: UUID, by identity: Identity, in db: any DatabaseSession) async throws -> LiveSession
    {
        guard let session = try await LiveStore.session(id: sessionID, in: db), session.userID == identity.userID else {
            throw Problem.notFound("No such live session.")
        }
        return session
    }

    static func hash(shareToken token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// A session in progress as `GET /users/{id}/live` lists it.
public struct LiveSessionSummary: Encodable, Sendable, Equatable {
    public var sessionId: UUID
    public var userId: UUID
    public var sport: Sport
    public var startedAt: Date
    public var state: LiveState
    public var name: String?

    init(_ session: LiveSession) {
        sessionId = session.id
        userId = session.userID
        sport = session.sport
        startedAt = session.startedAt
        state = session.state
        name = session.name
    }
}
