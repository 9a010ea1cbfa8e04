import Activities
import ActivityFiles
import Analytics
import Foundation
import Geo

/// What a device and its spectators see about once a second while a session is live.
public struct LiveMetrics: Encodable, Sendable, Equatable {
    /// A completed kilometre: its number, the distance then, and the elapsed time at which it was reached.
    public struct Split: Encodable, Sendable, Equatable {
        public var number: Int
        public var distance: Double
        public var time: Double
    }

    public var state: LiveState
    /// Seconds since the start, pauses included.
    public var elapsedTime: Double
    /// Seconds in motion (the sport's moving rule; pauses excluded).
    public var movingTime: Double
    /// Metres.
    public var distance: Double
    /// m/s over the last ``LiveMetricsTracker/currentWindow`` seconds.
    public var currentSpeed: Double?
    /// m/s over the moving time.
    public var averageSpeed: Double?
    /// s/km, from `currentSpeed`; absent when not moving.
    public var currentPace: Double?
    /// s/km, from `averageSpeed`.
    public var averagePace: Double?
    public var heartRate: Double?
    /// 1-based zone of the athlete's heart-rate zones; absent without zones or below zone 1.
    public var heartRateZone: Int?
    public var splits: [Split]
    public var lastSeq: Int64

    /// The same JSON as `JSONEncoder` writes (keys in another order), without its cost: every
    /// device gets metrics with an ack once a second, so this runs thousands of times a second.
    public var json: String {
        func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
        var text = "{\"state\":\"\(state.rawValue)\",\"elapsedTime\":\(number(elapsedTime))"
        text += ",\"movingTime\":\(number(movingTime)),\"distance\":\(number(distance)),\"lastSeq\":\(lastSeq)"
        let optionals: [(String, Double?)] = [
            ("currentSpeed", currentSpeed), ("averageSpeed", averageSpeed), ("currentPace", currentPace),
            ("averagePace", averagePace), ("heartRate", heartRate), ("heartRateZone", heartRateZone.map(Double.init)),
        ]
        for case (let name, let value?) in optionals {
            text += name == "heartRateZone" ? ",\"\(name)\":\(Int(value))" : ",\"\(name)\":\(number(value))"
        }
        text += ",\"splits\":["
        text += splits.map {
            "{\"number\":\($0.number),\"distance\":\(number($0.distance)),\"time\":\(number($0.time))}"
        }
        .joined(separator: ",")
        return text + "]}"
    }
}

/// Computes ``LiveMetrics`` incrementally, point by point, in O(1) per point (the window of
/// recent points for the current speed is bounded by time).
public struct LiveMetricsTracker: Sendable {
    /// Seconds over which the current speed is averaged.
    public static let currentWindow = 30.0

    let startedAt: Date
    let rule: MovingRule
    let heartRateZones: [Double]
    private(set) var state = LiveState.live
    private var last: TrackPoint?
    private var lastSeq: Int64 = 0
    private var distance = 0.0
    private var movingTime = 0.0
    /// (time, cumulative distance) of the points inside the current-speed window.
    private var recent: [(time: Date, distance: Double)] = []
    private var recentStart = 0
    private var splits: [LiveMetrics.Split] = []

    public init(sport: Sport, startedAt: Date, heartRateZones: [Double]?) {
        self.startedAt = startedAt
        self.rule = MovingRule.for(sport)
        self.heartRateZones = heartRateZones ?? []
    }

    /// Adds the next point (points arrive in `seq` order).
    public mutating func add(_ live: LivePoint) {
        let point = live.point
        lastSeq = live.seq
        defer { last = point }
        guard let last else {
            if let start = point.distance { distance = start }
            recent.append((point.time, distance))
            return
        }
        let dt = point.time.timeIntervalSince(last.time)
        var step = 0.0
        if let from = last.distance, let to = point.distance {
            step = max(0, to - from)
        } else if let from = last.coordinate, let to = point.coordinate {
            step = Geodesic.haversineDistance(from: from, to: to)
        }
        let before = distance
        distance += step
        if state == .live, dt > 0, dt <= rule.maximumGap, step / dt >= rule.minimumSpeed {
            movingTime += dt
        }
        var kilometre = Int(before / 1_000) + 1
        while distance >= Double(kilometre) * 1_000 {
            // The crossing time, interpolated within the step.
            let fraction = step > 0 ? (Double(kilometre) * 1_000 - before) / step : 1
            let at = last.time.addingTimeInterval(dt * fraction).timeIntervalSince(startedAt)
            splits.append(LiveMetrics.Split(number: kilometre, distance: Double(kilometre) * 1_000, time: at))
            kilometre += 1
        }
        recent.append((point.time, distance))
        while recentStart < recent.count - 1,
            point.time.timeIntervalSince(recent[recentStart].time) > Self.currentWindow
        {
            recentStart += 1
        }
        if recentStart > 256 {
            recent.removeFirst(recentStart)
            recentStart = 0
        }
    }

    /// The athlete paused (`stop`) or resumed (`start`) the timer.
    public mutating func apply(_ event: TimerEvent) {
        state = event.kind == .stop ? .paused : .live
    }

    /// The metrics as of the last point.
    public var metrics: LiveMetrics {
        let elapsed = max(0, (last?.time ?? startedAt).timeIntervalSince(startedAt))
        var current: Double?
        if state == .live, let first = recent[safe: recentStart], let newest = recent.last {
            let span = newest.time.timeIntervalSince(first.time)
            if span > 0 { current = (newest.distance - first.distance) / span }
        }
        let average = movingTime > 0 ? distance / movingTime : nil
        let heartRate = last?.heartRate
        let zone = heartRate.flatMap { rate in heartRateZones.lastIndex { rate >= $0 }.map { $0 + 1 } }
        return LiveMetrics(
            state: state, elapsedTime: elapsed, movingTime: movingTime, distance: distance, currentSpeed: current,
            averageSpeed: average, currentPace: Self.pace(current), averagePace: Self.pace(average),
            heartRate: heartRate, heartRateZone: zone, splits: splits, lastSeq: lastSeq)
    }

    /// Seconds per kilometre; nil below walking-in-place speeds, where a pace means nothing.
    static func pace(_ speed: Double?) -> Double? {
        guard let speed, speed >= 0.2 else { return nil }
        return 1_000 / speed
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
