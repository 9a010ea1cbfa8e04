import ActivityFiles
import Analytics
import Foundation

/// Optional fields sent alongside an uploaded file (multipart parts `name`, `sport`, …).
public struct UploadOptions: Sendable, Equatable {
    public var name: String?
    public var description: String?
    public var sport: Sport?
    public var visibility: ActivityVisibility?
    /// The client's own id for the activity; a second upload with it returns the first.
    public var externalID: String?

    public init() {}
}

/// A session an app recorded and sends as JSON (`POST /api/v1/activities` with a JSON body).
public struct ManualActivity: Decodable, Sendable {
    /// The sport (`running`, `cycling`, …), the blueprint's `type`.
    public var type: Sport
    public var name: String?
    public var description: String?
    public var startTime: Date
    /// Seconds, pauses included; derived from `endTime` or the points when absent.
    public var duration: Double?
    public var endTime: Date?
    /// Metres; computed from the points when absent.
    public var distance: Double?
    /// Kilocalories; estimated when absent.
    public var calories: Double?
    public var visibility: ActivityVisibility?
    public var externalId: String?
    /// Only each point's `time` is required.
    public var points: [TrackPoint]?
}

/// Changes an owner may make to an activity (JSON merge patch).
public struct ActivityChanges: Sendable, Equatable {
    public var name: String?
    /// `.some(nil)` clears the description.
    public var description: String??
    public var sport: Sport?
    public var visibility: ActivityVisibility?

    public init() {}
}
