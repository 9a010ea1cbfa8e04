import Activities
import ActivityFiles
import Analytics
import Foundation

/// Where a live session stands.
public enum LiveState: String, Codable, Sendable {
    case live, paused, finished, abandoned

    /// Whether points may still arrive.
    public var isOpen: Bool { self == .live || self == .paused }
}

/// A workout being streamed by a device: the row behind the device and spectator sockets.
public struct LiveSession: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    /// The device's own id for the session; a `start` with it again resumes the session.
    public var clientSessionID: String
    public var sport: Sport
    public var visibility: ActivityVisibility
    public var name: String?
    public var startedAt: Date
    public var state: LiveState
    /// Pauses and resumptions, in order (`stop` = pause, `start` = resume).
    public var timerEvents: [TimerEvent]
    /// The activity the session became, once finished or abandoned.
    public var activityID: UUID?
    public var updatedAt: Date
}

/// One sample of a live session, numbered by the device.
public struct LivePoint: Sendable, Equatable {
    /// Strictly increasing within a session; the unit of acknowledgement and deduplication.
    public var seq: Int64
    public var point: TrackPoint

    public init(seq: Int64, point: TrackPoint) {
        self.seq = seq
        self.point = point
    }
}

/// A share link: anyone holding its token may watch the session until it is revoked.
public struct LiveShare: Sendable, Equatable {
    public var id: UUID
    public var sessionID: UUID
    public var createdAt: Date
    public var revokedAt: Date?
}
