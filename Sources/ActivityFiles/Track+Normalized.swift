extension Track {
    /// The track with points in time order and at most one point per instant: points that share a
    /// time are merged, the first one's values winning and later ones filling its gaps. Devices and
    /// apps do write repeated timestamps (GPX exports especially); stored points are keyed by time.
    public func mergingDuplicateTimes() -> Track {
        // Strictly increasing times, the common case, need neither a sort nor a copy.
        var index = 1
        while index < points.count, points[index - 1].time < points[index].time { index += 1 }
        if index >= points.count { return self }
        var sorted = points
        if !zip(points, points.dropFirst()).allSatisfy({ $0.time <= $1.time }) {
            sorted = points.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(
                \.element)
        }
        var merged: [TrackPoint] = []
        merged.reserveCapacity(sorted.count)
        for point in sorted {
            guard let last = merged.last, last.time == point.time else {
                merged.append(point)
                continue
            }
            merged[merged.count - 1] = last.filling(from: point)
        }
        var track = self
        track.points = merged
        return track
    }
}

extension TrackPoint {
    /// This point with its missing values taken from `other`.
    func filling(from other: TrackPoint) -> TrackPoint {
        var point = self
        if point.latitude == nil || point.longitude == nil {
            point.latitude = other.latitude
            point.longitude = other.longitude
        }
        point.altitude = point.altitude ?? other.altitude
        point.distance = point.distance ?? other.distance
        point.speed = point.speed ?? other.speed
        point.heartRate = point.heartRate ?? other.heartRate
        point.cadence = point.cadence ?? other.cadence
        point.power = point.power ?? other.power
        point.temperature = point.temperature ?? other.temperature
        return point
    }
}
