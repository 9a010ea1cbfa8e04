import Activities
import ActivityFiles
import Analytics
import CivilTime
import Foundation
import HTTPAPI

/// A message from a device (see `docs/live-protocol.md`). One flat shape for every `type`, so a
/// frame decodes in one pass; which fields a type needs is checked by ``LiveConnection``.
struct DeviceMessage: Decodable {
    var type: String
    var clientSessionId: String?
    var sport: Sport?
    var startedAt: Date?
    var visibility: ActivityVisibility?
    var name: String?
    var points: [WirePoint]?
    var time: Date?
}

/// A point as it travels in JSON, to and from the server.
struct WirePoint: Codable, Sendable, Equatable {
    var seq: Int64
    var time: Date
    var latitude: Double?
    var longitude: Double?
    var altitude: Double?
    var distance: Double?
    var speed: Double?
    var heartRate: Double?
    var cadence: Double?
    var power: Double?
    var temperature: Double?

    /// The point, or the name and range of its first value out of range.
    func validated() -> Result<LivePoint, LiveError> {
        guard seq >= 1 else { return .failure(LiveError(.invalidPoint, "seq must be at least 1.", seq: seq)) }
        var point = TrackPoint(time: time)
        point.latitude = latitude
        point.longitude = longitude
        point.altitude = altitude
        point.distance = distance
        point.speed = speed
        point.heartRate = heartRate
        point.cadence = cadence
        point.power = power
        point.temperature = temperature
        if let (field, message) = point.problems.first {
            return .failure(LiveError(.invalidPoint, (field.map { $0 + " " } ?? "") + message + ".", seq: seq))
        }
        return .success(LivePoint(seq: seq, point: point))
    }
}

extension WirePoint {
    /// The JSON `JSONCoding.encoder` writes (sorted keys, no nulls), without its cost.
    var json: String {
        var text = "{"
        func add(_ name: String, _ value: Double?) {
            guard let value else { return }
            var number = value.isFinite ? "\(value)" : "null"
            if number.hasSuffix(".0") { number.removeLast(2) }  // as JSONEncoder writes whole numbers
            text += "\"\(name)\":" + number + ","
        }
        add("altitude", altitude)
        add("cadence", cadence)
        add("distance", distance)
        add("heartRate", heartRate)
        add("latitude", latitude)
        add("longitude", longitude)
        add("power", power)
        text += "\"seq\":\(seq),"
        add("speed", speed)
        add("temperature", temperature)
        return text + "\"time\":\"" + Timestamp.format(time) + "\"}"
    }

    /// In an extension, so that the memberwise initialiser stays available (the fast path builds
    /// points with it).
    init(_ live: LivePoint, hidePosition: Bool = false) {
        let point = live.point
        seq = live.seq
        time = point.time
        if !hidePosition {
            latitude = point.latitude
            longitude = point.longitude
        }
        altitude = point.altitude
        distance = point.distance
        speed = point.speed
        heartRate = point.heartRate
        cadence = point.cadence
        power = point.power
        temperature = point.temperature
    }
}

/// Why a device message was refused, as an `error` frame.
public struct LiveError: Error, Sendable, Equatable {
    public enum Code: String, Sendable {
        case invalidMessage = "invalid_message"
        case notStarted = "not_started"
        case invalidPoint = "invalid_point"
        case outOfOrder = "out_of_order"
        case tooManyPoints = "too_many_points"
        case sessionClosed = "session_closed"
        case unsupportedFrame = "unsupported_frame"
        case tokenExpired = "token_expired"
        case unavailable
    }

    public var code: Code
    public var detail: String
    public var seq: Int64?
    public var activityID: UUID?

    public init(_ code: Code, _ detail: String, seq: Int64? = nil, activityID: UUID? = nil) {
        self.code = code
        self.detail = detail
        self.seq = seq
        self.activityID = activityID
    }
}

/// The frames the server sends, to devices and spectators.
enum ServerFrame {
    struct Started: Encodable {
        let type = "started"
        var sessionId: UUID
        var resumed: Bool
        var ackedSeq: Int64
        var state: LiveState
    }

    /// An ack, with the metrics when they are due.
    static func ack(_ seq: Int64, metrics: LiveMetrics?) -> String {
        "{\"type\":\"ack\",\"seq\":\(seq)" + (metrics.map { ",\"metrics\":" + $0.json } ?? "") + "}"
    }

    struct Metrics: Encodable {
        let type = "metrics"
        var metrics: LiveMetrics
    }

    struct Finished: Encodable {
        var type = "finished"
        var activityId: UUID?
    }

    struct ErrorFrame: Encodable {
        let type = "error"
        var code: String
        var detail: String
        var seq: Int64?
        var activityId: UUID?

        init(_ error: LiveError) {
            code = error.code.rawValue
            detail = error.detail
            seq = error.seq
            activityId = error.activityID
        }
    }

    struct Snapshot: Encodable {
        let type = "snapshot"
        var session: LiveSessionSummary
        var points: [WirePoint]
        var metrics: LiveMetrics
    }

    /// Points for spectators, with the metrics (absent on points read back to fill a gap). Written by
    /// hand, as ``LiveMetrics/json`` is: every watched device's every batch is one.
    static func points(_ points: [WirePoint], metrics: LiveMetrics?) -> String {
        "{" + (metrics.map { "\"metrics\":" + $0.json + "," } ?? "") + "\"points\":["
            + points.map(\.json).joined(separator: ",") + "],\"type\":\"points\"}"
    }

    struct State: Encodable {
        let type = "state"
        var state: LiveState
        var metrics: LiveMetrics
    }

    struct Revoked: Encodable {
        let type = "revoked"
    }

    /// The frame as JSON text.
    static func text(_ frame: some Encodable) -> String {
        // Every frame type encodes: its fields are strings, numbers, dates and UUIDs.
        String(decoding: (try? JSONCoding.encoder.encode(frame)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
