import Foundation

/// The one canonical form of a recorded activity. Every file format (FIT, GPX, TCX) decodes into
/// it, and everything downstream (metrics, storage, export) works from it, never from a format.
///
/// Units are SI throughout: degrees for positions, metres, seconds, metres per second, watts,
/// degrees Celsius; heart rate in beats per minute, cadence in revolutions (or strides) per minute.
public struct Track: Sendable, Equatable {
    /// The format the track was decoded from.
    public var format: ActivityFileFormat
    /// The sport as the file names it, lowercased with underscores (`running`, `cycling`,
    /// `lap_swimming`, …); mapping to Stamina's sports happens in `Analytics`.
    public var sport: String?
    /// The sub-sport as the file names it (`trail`, `indoor_cycling`, `treadmill`, …).
    public var subSport: String?
    /// The activity's name, where the format has one (GPX `name`, TCX `Notes`).
    public var name: String?
    /// When the activity started: the file's own start time, else the first point's time.
    public var startTime: Date?
    public var device: Device?
    /// Samples in time order. Indoor and pool activities have points without positions.
    public var points: [TrackPoint]
    public var laps: [Lap]
    /// Timer events (start, stop/pause), in time order, where the format records them (FIT).
    public var timerEvents: [TimerEvent]
    /// Beat-to-beat (RR) intervals in seconds, from FIT `hrv` messages.
    public var rrIntervals: [Double]
    /// Totals the device computed itself (FIT `session`); preferred over recomputed values.
    public var deviceSummary: DeviceSummary?

    public init(format: ActivityFileFormat) {
        self.format = format
        self.points = []
        self.laps = []
        self.timerEvents = []
        self.rrIntervals = []
    }
}

/// Where a track came from: one of the file formats Stamina reads, or `manual` for a session an app
/// recorded and sent as JSON.
public enum ActivityFileFormat: String, Sendable, Equatable, CaseIterable {
    case fit, gpx, tcx, manual
}

/// One sample of a track; every field but the time is optional. Its JSON form (a JSON session's
/// points) uses the property names.
public struct TrackPoint: Sendable, Equatable, Codable {
    public var time: Date
    /// Degrees, WGS 84.
    public var latitude: Double?
    /// Degrees, WGS 84.
    public var longitude: Double?
    /// Metres above sea level.
    public var altitude: Double?
    /// Cumulative distance from the start as the device measured it, metres.
    public var distance: Double?
    /// Metres per second.
    public var speed: Double?
    /// Beats per minute.
    public var heartRate: Double?
    /// Revolutions or strides per minute.
    public var cadence: Double?
    /// Watts.
    public var power: Double?
    /// Degrees Celsius.
    public var temperature: Double?

    public init(time: Date) {
        self.time = time
    }
}

/// A lap as the device or file recorded it.
public struct Lap: Sendable, Equatable {
    public var startTime: Date
    /// Seconds from start to end, pauses included.
    public var elapsedTime: Double?
    /// Seconds the timer ran (pauses excluded).
    public var timerTime: Double?
    /// Metres.
    public var distance: Double?
    /// Kilocalories.
    public var calories: Double?
    public var averageHeartRate: Double?
    public var maxHeartRate: Double?
    /// What ended the lap: `manual`, `distance`, `time`, `position`, `session_end`, …
    public var trigger: String?

    public init(startTime: Date) {
        self.startTime = startTime
    }
}

/// A start or stop of the activity timer (a pause is a stop followed by a start).
public struct TimerEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case start, stop
    }

    public var time: Date
    public var kind: Kind

    public init(time: Date, kind: Kind) {
        self.time = time
        self.kind = kind
    }
}

/// The recording device, where the file says.
public struct Device: Sendable, Equatable {
    /// Manufacturer name (`garmin`, `wahoofitness`, …) or the GPX/TCX creator.
    public var manufacturer: String?
    public var product: String?
    public var serialNumber: String?
    public var softwareVersion: String?

    public init(
        manufacturer: String? = nil, product: String? = nil, serialNumber: String? = nil, softwareVersion: String? = nil
    ) {
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.softwareVersion = softwareVersion
    }
}

/// Totals a device computed for the whole activity (FIT `session` message).
public struct DeviceSummary: Sendable, Equatable {
    /// Metres.
    public var distance: Double?
    /// Seconds, pauses included.
    public var elapsedTime: Double?
    /// Seconds the timer ran.
    public var timerTime: Double?
    /// Kilocalories.
    public var calories: Double?
    /// Metres.
    public var ascent: Double?
    /// Metres.
    public var descent: Double?

    public init() {}
}

/// Why a file could not be decoded; the message says what is wrong, for a 422 answer.
public struct ActivityFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        let name: String
        /// The file ends before a structure it announced is complete.
        public static let truncated = Code(name: "truncated")
        /// A checksum does not match (FIT header or file CRC).
        public static let checksum = Code(name: "checksum")
        /// The bytes are not the announced format at all (bad signature, not XML, wrong root).
        public static let wrongFormat = Code(name: "wrongFormat")
        /// The structure is invalid (undefined local message, bad field size, unparsable value).
        public static let corrupt = Code(name: "corrupt")
        /// The file is valid but holds no activity data (no points, no laps, no session).
        public static let empty = Code(name: "empty")
        /// A valid file of a kind Stamina does not import (e.g. a FIT course or settings file).
        public static let unsupported = Code(name: "unsupported")
        /// The file, once decompressed, is larger than the caller allows (e.g. a gzip "zip bomb").
        public static let tooLarge = Code(name: "tooLarge")
        /// The decoding task was cancelled: nobody waits for the result any more (decoders look
        /// every few thousand records).
        public static let cancelled = Code(name: "cancelled")
    }

    /// The error a decoder stops with when its task is cancelled.
    static let cancelled = ActivityFileError(.cancelled, "decoding was cancelled")

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.name): \(message)" }
}
