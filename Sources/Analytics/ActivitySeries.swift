import ActivityFiles
import Foundation
import Geo

/// The time-aligned arrays every metric reads, built from a ``Track`` in one pass.
///
/// Missing samples are NaN internally (never in outputs); cumulative distance and altitude are filled so they
/// can be interpolated. Interval `i` is the span from sample `i − 1` to sample `i`; sample `i`'s values (heart
/// rate, power, cadence) describe it, as devices record averages over the preceding second.
struct ActivitySeries {
    let count: Int
    /// Seconds since the first sample, non-decreasing.
    var time: [Double]
    /// Metres, cumulative, non-decreasing (zeros when the track has no distance).
    var distance: [Double]
    var hasDistance = false
    /// Smoothed altitude (``ElevationProfile``), metres, filled; empty when the track has none.
    var altitude: [Double] = []
    var heartRate: [Double]
    var hasHeartRate = false
    var cadence: [Double]
    var hasCadence = false
    var power: [Double]
    var hasPower = false
    /// Device speed, m/s.
    var speed: [Double]
    var hasSpeed = false
    /// Interval `i` is recorded: timer running and no gap (``MovingRule``).
    var recorded: [Bool]
    /// Interval `i` is moving.
    var moving: [Bool]

    var hasAltitude: Bool { !altitude.isEmpty }
    var duration: Double { time.last ?? 0 }

    init(track: Track, rule: MovingRule) {
        let points = track.points
        let count = points.count
        self.count = count
        time = [Double](repeating: 0, count: count)
        distance = [Double](repeating: 0, count: count)
        heartRate = [Double](repeating: .nan, count: count)
        cadence = [Double](repeating: .nan, count: count)
        power = [Double](repeating: .nan, count: count)
        speed = [Double](repeating: .nan, count: count)
        recorded = [Bool](repeating: false, count: count)
        moving = [Bool](repeating: false, count: count)
        guard count > 0 else { return }

        let origin = points[0].time.timeIntervalSinceReferenceDate
        let hasDeviceDistance = points.contains { $0.distance?.isFinite == true }
        var rawAltitude = [Double](repeating: .nan, count: count)
        var hasRawAltitude = false
        var previousTime = 0.0
        var previousPosition: Coordinate?
        var cumulative = 0.0
        var hasPositionDistance = false
        for index in 0..<count {
            let point = points[index]
            let t = max(previousTime, point.time.timeIntervalSinceReferenceDate - origin)
            time[index] = t
            previousTime = t
            if hasDeviceDistance {
                if let value = point.distance, value.isFinite { cumulative = max(cumulative, value) }
            } else if let latitude = point.latitude, let longitude = point.longitude {
                let position = Coordinate(latitude: latitude, longitude: longitude)
                if position.isValid {
                    if let previousPosition {
                        cumulative += Geodesic.trackDistance(from: previousPosition, to: position)
                        hasPositionDistance = true
                    }
                    previousPosition = position
                }
            }
            distance[index] = cumulative
            if let value = point.altitude, value.isFinite {
                rawAltitude[index] = value
                hasRawAltitude = true
            }
            if let value = point.heartRate, value.isFinite, value > 0 {
                heartRate[index] = value
                hasHeartRate = true
            }
            if let value = point.cadence, value.isFinite, value >= 0 {
                cadence[index] = value
                hasCadence = true
            }
            if let value = point.power, value.isFinite, value >= 0 {
                power[index] = value
                hasPower = true
            }
            if let value = point.speed, value.isFinite, value >= 0 {
                speed[index] = value
                hasSpeed = true
            }
        }
        hasDistance = hasDeviceDistance || hasPositionDistance
        if hasRawAltitude {
            Self.fillGaps(&rawAltitude)
            altitude = ElevationProfile.smoothed(rawAltitude)
        }
        classifyIntervals(pauses: Self.pauses(track.timerEvents, origin: origin), rule: rule)
    }

    /// Timer pauses as (stop, start) offsets; a final stop without a start pauses until the end.
    private static func pauses(_ events: [TimerEvent], origin: Double) -> [(Double, Double)] {
        var pauses: [(Double, Double)] = []
        var stoppedAt: Double?
        for event in events {
            let t = event.time.timeIntervalSinceReferenceDate - origin
            switch event.kind {
            case .stop where stoppedAt == nil: stoppedAt = t
            case .start:
                if let stop = stoppedAt { pauses.append((stop, t)) }
                stoppedAt = nil
            case .stop: break
            }
        }
        if let stoppedAt { pauses.append((stoppedAt, .infinity)) }
        return pauses.sorted { $0.0 < $1.0 }
    }

    private mutating func classifyIntervals(pauses: [(Double, Double)], rule: MovingRule) {
        var pauseIndex = 0
        for index in 1..<max(1, count) {
            let dt = time[index] - time[index - 1]
            guard dt > 0, dt <= rule.maximumGap else { continue }
            let middle = time[index - 1] + dt / 2
            while pauseIndex < pauses.count && pauses[pauseIndex].1 <= middle { pauseIndex += 1 }
            if pauseIndex < pauses.count && pauses[pauseIndex].0 <= middle { continue }
            recorded[index] = true
            if hasDistance {
                let intervalSpeed = speed[index].isNaN ? (distance[index] - distance[index - 1]) / dt : speed[index]
                moving[index] = intervalSpeed >= rule.minimumSpeed
            } else if hasPower || hasCadence || hasSpeed {
                moving[index] = power[index] > 0 || cadence[index] > 0 || speed[index] >= rule.minimumSpeed
            } else {
                moving[index] = true
            }
        }
    }

    /// Fills NaN gaps by linear interpolation, and leading/trailing ones with the nearest value.
    static func fillGaps(_ values: inout [Double]) {
        var lastValid = -1
        for index in values.indices where !values[index].isNaN {
            if lastValid < 0 {
                for j in 0..<index { values[j] = values[index] }
            } else if index - lastValid > 1 {
                let a = values[lastValid]
                let b = values[index]
                let span = Double(index - lastValid)
                for j in (lastValid + 1)..<index { values[j] = a + (b - a) * Double(j - lastValid) / span }
            }
            lastValid = index
        }
        if lastValid >= 0 {
            for j in (lastValid + 1)..<values.count { values[j] = values[lastValid] }
        }
    }

    // MARK: Interpolation

    /// The last index whose time is ≤ `t` (0 when `t` precedes the track).
    func index(atOrBefore t: Double) -> Int {
        var low = 0
        var high = count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if time[middle] <= t { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// `values` linearly interpolated at time `t`.
    func interpolate(_ values: [Double], at t: Double) -> Double {
        let i = index(atOrBefore: t)
        guard i + 1 < count, time[i + 1] > time[i], t > time[i] else { return values[i] }
        let fraction = (t - time[i]) / (time[i + 1] - time[i])
        return values[i] + (values[i + 1] - values[i]) * fraction
    }

    /// Centred speed over ±2 samples, m/s; tames GPS jitter without lagging.
    func smoothedVelocity(at index: Int) -> Double {
        let lower = max(0, index - 2)
        let upper = min(count - 1, index + 2)
        let dt = time[upper] - time[lower]
        return dt > 0 ? (distance[upper] - distance[lower]) / dt : 0
    }
}
