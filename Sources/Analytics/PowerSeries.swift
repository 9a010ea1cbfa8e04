/// Power resampled to 1 Hz over recorded time, the basis of normalized power and the power curve.
///
/// Each recorded interval contributes one value per whole second it spans (sample-and-hold of the sample that
/// closes it; a missing sample counts as 0 W, i.e. coasting). Pauses and recording gaps (``MovingRule``) are
/// left out, as devices do not record during them, so the series is joined across pauses.
struct PowerSeries {
    var values: [Double]

    init(_ series: ActivitySeries) {
        var values: [Double] = []
        values.reserveCapacity(Int(series.duration) + 2)
        var clock = 0.0
        for index in 1..<max(1, series.count) where series.recorded[index] {
            let before = clock.rounded(.down)
            clock += series.time[index] - series.time[index - 1]
            let seconds = Int(clock.rounded(.down) - before)
            let power = series.power[index].isNaN ? 0 : series.power[index]
            for _ in 0..<seconds { values.append(power) }
        }
        self.values = values
    }

    init(values: [Double]) {
        self.values = values
    }

    var average: Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// Coggan's normalized power (A. Coggan; H. Allen and A. Coggan, "Training and Racing with a Power Meter",
    /// 2010): the 30 s rolling average, raised to the 4th power, averaged, 4th root. `nil` below 30 s.
    func normalizedPower() -> Double? {
        let window = 30
        guard values.count >= window else { return nil }
        var rolling = 0.0
        var sumOfFourth = 0.0
        for index in values.indices {
            rolling += values[index]
            if index >= window { rolling -= values[index - window] }
            if index >= window - 1 {
                let average = max(0, rolling / Double(window))
                let square = average * average
                sumOfFourth += square * square
            }
        }
        return (sumOfFourth / Double(values.count - window + 1)).squareRoot().squareRoot()
    }

    /// The durations of the power curve, seconds.
    static let curveDurations = [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600]

    /// Best average power per duration (maximal sliding-window mean over prefix sums), for the durations the
    /// series covers.
    func curve() -> [PowerCurvePoint] {
        var prefix = [Double](repeating: 0, count: values.count + 1)
        for index in values.indices { prefix[index + 1] = prefix[index] + values[index] }
        var points: [PowerCurvePoint] = []
        for duration in Self.curveDurations where duration <= values.count {
            var best = 0.0
            for start in 0...(values.count - duration) {
                best = max(best, prefix[start + duration] - prefix[start])
            }
            points.append(PowerCurvePoint(duration: duration, power: best / Double(duration)))
        }
        return points
    }

    func timeInZones(_ lowerBounds: [Double]) -> [ZoneTime] {
        var times = [Double](repeating: 0, count: lowerBounds.count)
        for value in values { times[ActivityMetrics.zone(of: value, in: lowerBounds)] += 1 }
        return lowerBounds.enumerated().map {
            ZoneTime(zone: $0.offset + 1, lowerBound: $0.element, time: times[$0.offset])
        }
    }
}
