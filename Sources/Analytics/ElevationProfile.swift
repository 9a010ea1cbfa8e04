/// Elevation smoothing and climb counting.
///
/// Raw altitude (GPS especially, barometric less so) jitters by metres; summing every rise would count the noise
/// as climbing. Following GoldenCheetah (`ElevationGain` in BasicRideMetrics.cpp: hysteresis, 3 m by default)
/// and Strava's documented approach (smoothing, then a threshold), the profile is first smoothed with a centred
/// moving average of ``smoothingWindow`` samples, then climbs are counted with ``hysteresis``: a change of
/// direction only counts once the profile has moved that far from the last extreme, and each climb counts from
/// its lowest to its highest point (so, unlike GoldenCheetah's simpler variant, the last metres of a climb are
/// not lost).
public enum ElevationProfile {
    /// Samples in the centred moving average (odd).
    public static let smoothingWindow = 5
    /// Metres.
    public static let hysteresis = 3.0

    /// The centred moving average; windows shrink at the ends.
    public static func smoothed(_ altitudes: [Double]) -> [Double] {
        let count = altitudes.count
        let half = smoothingWindow / 2
        var result = [Double](repeating: 0, count: count)
        altitudes.withUnsafeBufferPointer { input in
            for index in 0..<count {
                let lower = max(0, index - half)
                let upper = min(count - 1, index + half)
                var sum = 0.0
                for j in lower...upper { sum += input[j] }
                result[index] = sum / Double(upper - lower + 1)
            }
        }
        return result
    }

    /// Metres climbed and descended along a (smoothed) profile.
    public static func gainAndLoss(
        _ altitudes: some Collection<Double>, threshold: Double = hysteresis
    ) -> (gain: Double, loss: Double) {
        var counter = ClimbCounter(threshold: threshold)
        for altitude in altitudes { counter.add(altitude) }
        return counter.finish()
    }
}

/// The hysteresis state machine behind ``ElevationProfile/gainAndLoss(_:threshold:)``.
struct ClimbCounter {
    enum Direction { case unknown, up, down }

    let threshold: Double
    var direction = Direction.unknown
    var started = false
    var low = 0.0
    var high = 0.0
    /// The last confirmed turning point.
    var reference = 0.0
    /// The running extreme in the current direction.
    var extreme = 0.0
    var gain = 0.0
    var loss = 0.0

    init(threshold: Double) {
        self.threshold = threshold
    }

    mutating func add(_ altitude: Double) {
        guard started else {
            started = true
            low = altitude
            high = altitude
            return
        }
        switch direction {
        case .unknown:
            low = min(low, altitude)
            high = max(high, altitude)
            if high - low >= threshold {
                if altitude == high {
                    direction = .up
                    reference = low
                } else {
                    direction = .down
                    reference = high
                }
                extreme = altitude
            }
        case .up:
            if altitude > extreme {
                extreme = altitude
            } else if extreme - altitude >= threshold {
                gain += extreme - reference
                reference = extreme
                extreme = altitude
                direction = .down
            }
        case .down:
            if altitude < extreme {
                extreme = altitude
            } else if altitude - extreme >= threshold {
                loss += reference - extreme
                reference = extreme
                extreme = altitude
                direction = .up
            }
        }
    }

    func finish() -> (gain: Double, loss: Double) {
        switch direction {
        case .unknown: (gain, loss)
        case .up: (gain + extreme - reference, loss)
        case .down: (gain, loss + reference - extreme)
        }
    }
}
