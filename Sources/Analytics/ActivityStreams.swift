import ActivityFiles

/// Time-aligned per-sample streams for charts and the API. All arrays have one entry per track point (or per
/// kept point after ``downsampled(to:)``); a stream the track lacks is `nil`, and streams never contain NaN.
public struct ActivityStreams: Sendable, Equatable, Codable {
    /// Seconds since the first sample.
    public var time: [Double]
    /// Cumulative metres.
    public var distance: [Double]?
    /// Smoothed altitude, metres (``ElevationProfile``).
    public var altitude: [Double]?
    /// Metres per second: the device's speed where recorded, else the centred difference of cumulative
    /// distance over ±2 samples.
    public var velocity: [Double]?
    /// Percent: smoothed altitude change over distance across a centred 50 m window; where the window holds
    /// less than 10 m of distance (standing still) the previous grade is repeated.
    public var grade: [Double]?
    /// Whether the athlete was moving when the sample was taken (``MovingRule``; sample 0 takes interval 1's).
    public var moving: [Bool]
    public var heartRate: [Double?]?
    public var cadence: [Double?]?
    public var power: [Double?]?

    /// Builds the streams of a track for a sport (the file's sport when `nil`).
    public init(track: Track, sport: Sport? = nil) {
        let sport = sport ?? Sport(fileSport: track.sport, subSport: track.subSport)
        let series = ActivitySeries(track: track, rule: .for(sport))
        time = series.time
        moving = series.moving
        if moving.count > 1 { moving[0] = moving[1] }
        if series.hasDistance {
            distance = series.distance
            velocity = (0..<series.count).map { index in
                series.hasSpeed && !series.speed[index].isNaN ? series.speed[index] : series.smoothedVelocity(at: index)
            }
        }
        if series.hasAltitude {
            altitude = series.altitude
            if series.hasDistance { grade = Self.grade(series) }
        }
        func optional(_ values: [Double], _ present: Bool) -> [Double?]? {
            present ? values.map { $0.isNaN ? nil : $0 } : nil
        }
        heartRate = optional(series.heartRate, series.hasHeartRate)
        cadence = optional(series.cadence, series.hasCadence)
        power = optional(series.power, series.hasPower)
    }

    /// The number of samples.
    public var count: Int { time.count }

    /// The streams reduced to at most `count` samples, keeping the same samples in every stream so they stay
    /// aligned. The samples are chosen by ``Downsampling/largestTriangleThreeBuckets(x:y:count:)`` on altitude,
    /// else velocity, else heart rate, else power (the shape a chart shows), and uniformly when there is none.
    public func downsampled(to count: Int) -> ActivityStreams {
        guard count < self.count else { return self }
        let shape = altitude ?? velocity ?? heartRate.map { $0.map { $0 ?? 0 } } ?? power.map { $0.map { $0 ?? 0 } }
        let indices =
            shape.map { Downsampling.largestTriangleThreeBuckets(x: time, y: $0, count: count) }
            ?? Downsampling.uniform(count: self.count, to: count)
        var result = self
        result.time = indices.map { time[$0] }
        result.distance = distance.map { values in indices.map { values[$0] } }
        result.altitude = altitude.map { values in indices.map { values[$0] } }
        result.velocity = velocity.map { values in indices.map { values[$0] } }
        result.grade = grade.map { values in indices.map { values[$0] } }
        result.moving = indices.map { moving[$0] }
        result.heartRate = heartRate.map { values in indices.map { values[$0] } }
        result.cadence = cadence.map { values in indices.map { values[$0] } }
        result.power = power.map { values in indices.map { values[$0] } }
        return result
    }

    private static let gradeHalfWindow = 25.0
    private static let gradeMinimumRun = 10.0

    /// Two pointers over cumulative distance: O(n).
    private static func grade(_ series: ActivitySeries) -> [Double] {
        var grade = [Double](repeating: 0, count: series.count)
        var lower = 0
        var upper = 0
        var previous = 0.0
        for index in 0..<series.count {
            let centre = series.distance[index]
            while series.distance[lower] < centre - gradeHalfWindow { lower += 1 }
            while upper + 1 < series.count && series.distance[upper + 1] <= centre + gradeHalfWindow { upper += 1 }
            let run = series.distance[upper] - series.distance[lower]
            if run >= gradeMinimumRun {
                previous = (series.altitude[upper] - series.altitude[lower]) / run * 100
            }
            grade[index] = previous
        }
        return grade
    }
}
