import ActivityFiles
import Foundation

/// Statistics over a time range of the series: the basis of splits and laps. Interval values are weighted by
/// how much of each interval falls in the range, so boundaries between samples are exact.
struct SegmentCalculator {
    let series: ActivitySeries

    struct Stats {
        var movingTime = 0.0
        var averageHeartRate: Double?
        var maxHeartRate: Double?
        var averagePower: Double?
        var averageCadence: Double?
        var distance: Double?
        var elevationDelta: Double?
        var elevationGain: Double?
        var elevationLoss: Double?
    }

    func stats(from start: Double, to end: Double, elevation: Bool = false) -> Stats {
        var stats = Stats()
        guard series.count > 0, end >= start else { return stats }
        var heartRateSum = 0.0
        var heartRateTime = 0.0
        var powerSum = 0.0
        var powerTime = 0.0
        var cadenceSum = 0.0
        var cadenceTime = 0.0
        var climbs = ClimbCounter(threshold: ElevationProfile.hysteresis)
        if elevation && series.hasAltitude { climbs.add(series.interpolate(series.altitude, at: start)) }
        var index = series.index(atOrBefore: start) + 1
        while index < series.count && series.time[index - 1] < end {
            let overlap = min(series.time[index], end) - max(series.time[index - 1], start)
            if series.recorded[index] && overlap > 0 {
                let heartRate = series.heartRate[index]
                if !heartRate.isNaN {
                    heartRateSum += heartRate * overlap
                    heartRateTime += overlap
                }
                if series.hasPower {
                    powerSum += (series.power[index].isNaN ? 0 : series.power[index]) * overlap
                    powerTime += overlap
                }
                if series.moving[index] {
                    stats.movingTime += overlap
                    if series.cadence[index] > 0 {
                        cadenceSum += series.cadence[index] * overlap
                        cadenceTime += overlap
                    }
                }
            }
            if series.time[index] <= end {
                let heartRate = series.heartRate[index]
                if !heartRate.isNaN { stats.maxHeartRate = max(stats.maxHeartRate ?? heartRate, heartRate) }
                if elevation && series.hasAltitude && series.time[index] > start {
                    climbs.add(series.altitude[index])
                }
            }
            index += 1
        }
        if heartRateTime > 0 { stats.averageHeartRate = heartRateSum / heartRateTime }
        if powerTime > 0 { stats.averagePower = powerSum / powerTime }
        if cadenceTime > 0 { stats.averageCadence = cadenceSum / cadenceTime }
        if series.hasDistance {
            stats.distance =
                series.interpolate(series.distance, at: end) - series.interpolate(series.distance, at: start)
        }
        if series.hasAltitude {
            stats.elevationDelta =
                series.interpolate(series.altitude, at: end) - series.interpolate(series.altitude, at: start)
            if elevation {
                climbs.add(series.interpolate(series.altitude, at: end))
                (stats.elevationGain, stats.elevationLoss) = climbs.finish()
            }
        }
        return stats
    }

    /// Splits of `length` metres; the last one holds the remainder when it is at least a metre. Each boundary is
    /// the first moment the cumulative distance reaches a multiple of `length`, interpolated between samples.
    func splits(every length: Double) -> [Split] {
        guard series.count > 1, length > 0 else { return [] }
        let total = series.distance[series.count - 1]
        var result: [Split] = []
        var startTime = 0.0
        var startDistance = 0.0
        var index = 1
        while startDistance < total {
            let target = startDistance + length
            let isFull = target <= total
            let endDistance = isFull ? target : total
            guard isFull || endDistance - startDistance >= 1 else { break }
            var endTime = series.duration
            if isFull {
                while index < series.count && series.distance[index] < target { index += 1 }
                let previous = series.distance[index - 1]
                let next = series.distance[index]
                let fraction = next > previous ? (target - previous) / (next - previous) : 1
                endTime = series.time[index - 1] + (series.time[index] - series.time[index - 1]) * fraction
            }
            let stats = stats(from: startTime, to: endTime)
            let distance = endDistance - startDistance
            result.append(
                Split(
                    index: result.count + 1, distance: distance, elapsedTime: endTime - startTime,
                    movingTime: stats.movingTime, elevationDelta: stats.elevationDelta,
                    averageHeartRate: stats.averageHeartRate,
                    averageSpeed: stats.movingTime > 0 ? distance / stats.movingTime : nil))
            startTime = endTime
            startDistance = endDistance
        }
        return result
    }

    /// The track's laps with statistics recomputed from the samples; the device's distance and calories are
    /// kept where present. A lap ends where the next begins, or after its elapsed time, or at the track's end.
    func laps(_ laps: [Lap], trackStart: Date) -> [LapMetrics] {
        var result: [LapMetrics] = []
        let origin = trackStart.timeIntervalSinceReferenceDate
        for (offset, lap) in laps.enumerated() {
            let start = max(0, lap.startTime.timeIntervalSinceReferenceDate - origin)
            var end = series.duration
            if offset + 1 < laps.count {
                end = laps[offset + 1].startTime.timeIntervalSinceReferenceDate - origin
            } else if let elapsed = lap.elapsedTime, elapsed.isFinite {
                end = start + elapsed
            }
            end = min(max(end, start), max(series.duration, start))
            let stats = stats(from: start, to: end, elevation: true)
            let distance = lap.distance ?? stats.distance
            result.append(
                LapMetrics(
                    index: offset + 1, startOffset: start, elapsedTime: lap.elapsedTime ?? end - start,
                    movingTime: stats.movingTime, distance: distance, elevationGain: stats.elevationGain,
                    elevationLoss: stats.elevationLoss,
                    averageHeartRate: stats.averageHeartRate ?? lap.averageHeartRate,
                    maxHeartRate: stats.maxHeartRate ?? lap.maxHeartRate, averagePower: stats.averagePower,
                    averageSpeed: stats.movingTime > 0 ? distance.map { $0 / stats.movingTime } : nil,
                    averageCadence: stats.averageCadence, calories: lap.calories, trigger: lap.trigger))
        }
        return result
    }
}
