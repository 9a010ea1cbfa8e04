import ActivityFiles
import Foundation

extension ActivityMetrics {
    /// Computes every metric that applies to the sport. Deterministic: the same track and settings always give
    /// bit-identical results (no clock, locale or time zone is read). O(n) in the number of points, plus O(d)
    /// in the recorded duration for the 1 Hz power series.
    ///
    /// - Parameters:
    ///   - track: the canonical track.
    ///   - athlete: settings; missing values get the defaults documented on ``AthleteSettings/resolved``.
    ///   - sport: overrides the sport mapped from the file (``Sport/init(fileSport:subSport:)``).
    public static func compute(track: Track, athlete: AthleteSettings = AthleteSettings(), sport: Sport? = nil)
        -> ActivityMetrics
    {
        let sport = sport ?? Sport(fileSport: track.sport, subSport: track.subSport)
        let settings = athlete.resolved
        let series = ActivitySeries(track: track, rule: .for(sport))
        var metrics = ActivityMetrics(sport: sport)
        let applies = Set(MetricRegistry.metrics(for: sport).map(\.symbol))
        let summary = track.deviceSummary

        // Times.
        var recordedTime = 0.0
        var movingTime = 0.0
        var heartRateWeighted = 0.0
        var heartRateTime = 0.0
        var cadenceWeighted = 0.0
        var cadenceTime = 0.0
        var maxSpeed = 0.0
        var trimp = 0.0
        var heartRateZoneTimes = [Double](repeating: 0, count: settings.heartRateZones?.count ?? 0)
        let maxHR = settings.maxHeartRate ?? 0
        let restHR = settings.restingHeartRate ?? AthleteSettings.defaultRestingHeartRate
        let trimpFactors = Self.trimpFactors(settings.sex)
        for index in 1..<max(1, series.count) where series.recorded[index] {
            let dt = series.time[index] - series.time[index - 1]
            recordedTime += dt
            let heartRate = series.heartRate[index]
            if !heartRate.isNaN {
                heartRateWeighted += heartRate * dt
                heartRateTime += dt
                if let zones = settings.heartRateZones, !zones.isEmpty {
                    heartRateZoneTimes[Self.zone(of: heartRate, in: zones)] += dt
                }
                if maxHR > restHR {
                    // Banister (1991): Δt[min] × HRr × a·e^(b·HRr), HRr = (HR − rest) / (max − rest).
                    let reserve = min(1, max(0, (heartRate - restHR) / (maxHR - restHR)))
                    trimp += dt / 60 * reserve * trimpFactors.a * exp(trimpFactors.b * reserve)
                }
            }
            guard series.moving[index] else { continue }
            movingTime += dt
            let cadence = series.cadence[index]
            if cadence > 0 {
                cadenceWeighted += cadence * dt
                cadenceTime += dt
            }
            if series.hasSpeed, !series.speed[index].isNaN {
                maxSpeed = max(maxSpeed, series.speed[index])
            } else if series.hasDistance {
                maxSpeed = max(maxSpeed, series.smoothedVelocity(at: index))
            }
        }
        if series.count > 0 {
            metrics.elapsedTime = summary?.elapsedTime ?? series.duration
            metrics.timerTime = summary?.timerTime ?? recordedTime
            metrics.movingTime = movingTime
        }

        // Distance and speed.
        if applies.contains("distance"), series.hasDistance || summary?.distance != nil {
            let distance = summary?.distance ?? series.distance[series.count - 1]
            metrics.distance = distance
            if movingTime > 0 && distance > 0 {
                metrics.averageSpeed = distance / movingTime
                metrics.averagePace = movingTime / distance
            }
            if series.hasDistance || series.hasSpeed { metrics.maxSpeed = maxSpeed }
        }

        // Elevation.
        if applies.contains("elevation_gain") {
            if series.hasAltitude {
                let (gain, loss) = ElevationProfile.gainAndLoss(series.altitude)
                metrics.elevationGain = gain
                metrics.elevationLoss = loss
                metrics.minAltitude = series.altitude.min()
                metrics.maxAltitude = series.altitude.max()
            }
            if let ascent = summary?.ascent { metrics.elevationGain = ascent }
            if let descent = summary?.descent { metrics.elevationLoss = descent }
        }

        // Heart rate.
        if series.hasHeartRate {
            metrics.averageHeartRate =
                heartRateTime > 0 ? heartRateWeighted / heartRateTime : Self.mean(series.heartRate)
            metrics.maxHeartRate = Self.maximum(series.heartRate)
            if let zones = settings.heartRateZones, !zones.isEmpty {
                metrics.heartRateZones = zip(zones, heartRateZoneTimes).enumerated().map {
                    ZoneTime(zone: $0.offset + 1, lowerBound: $0.element.0, time: $0.element.1)
                }
            }
            if maxHR > restHR { metrics.trimp = trimp }
        }

        // Cadence.
        if series.hasCadence {
            metrics.averageCadence = cadenceTime > 0 ? cadenceWeighted / cadenceTime : nil
            metrics.maxCadence = Self.maximum(series.cadence)
        }

        // Power.
        if series.hasPower {
            let power = PowerSeries(series)
            metrics.maxPower = Self.maximum(series.power)
            metrics.averagePower = power.average
            if let np = power.normalizedPower() {
                metrics.normalizedPower = np
                if let ftp = settings.functionalThresholdPower, ftp > 0 {
                    // Coggan: IF = NP / FTP; TSS = (s × NP × IF) / (FTP × 3600) × 100.
                    let intensity = np / ftp
                    metrics.intensityFactor = intensity
                    metrics.trainingStressScore =
                        Double(power.values.count) * np * intensity / (ftp * 3600) * 100
                }
            }
            if let zones = settings.powerZones, !zones.isEmpty {
                metrics.powerZones = power.timeInZones(zones)
            }
            if applies.contains("power_curve") { metrics.powerCurve = power.curve() }
        }

        // Calories.
        let calories = Calories.estimate(
            device: summary?.calories, averageHeartRate: metrics.averageHeartRate,
            duration: movingTime > 0 ? movingTime : (metrics.elapsedTime ?? 0), sport: sport, athlete: settings)
        metrics.calories = calories?.kilocalories
        metrics.caloriesSource = calories?.source

        // Collections.
        let segments = SegmentCalculator(series: series)
        if applies.contains("splits_km"), series.hasDistance {
            metrics.splitsPerKilometre = segments.splits(every: 1000)
            metrics.splitsPerMile = segments.splits(every: 1609.344)
        }
        if series.count > 0 {
            metrics.laps = segments.laps(track.laps, trackStart: track.points[0].time)
        }
        if applies.contains("best_efforts"), series.hasDistance {
            metrics.bestEfforts = BestEfforts.compute(time: series.time, distance: series.distance)
        }
        return metrics
    }

    /// Banister's weighting: a = 0.64, b = 1.92 for men; a = 0.86, b = 1.67 for women (Banister, "Modeling
    /// elite athletic performance", in Physiological Testing of Elite Athletes, 1991). Unspecified sex uses the
    /// mean of the two.
    static func trimpFactors(_ sex: AthleteSettings.Sex?) -> (a: Double, b: Double) {
        switch sex {
        case .male: (0.64, 1.92)
        case .female: (0.86, 1.67)
        case nil: (0.75, 1.795)
        }
    }

    /// The 0-based zone holding `value`; values below the first bound fall in the first zone.
    static func zone(of value: Double, in lowerBounds: [Double]) -> Int {
        var zone = 0
        for (index, bound) in lowerBounds.enumerated() where value >= bound { zone = index }
        return zone
    }

    static func mean(_ values: [Double]) -> Double? {
        var sum = 0.0
        var count = 0
        for value in values where !value.isNaN {
            sum += value
            count += 1
        }
        return count > 0 ? sum / Double(count) : nil
    }

    static func maximum(_ values: [Double]) -> Double? {
        var result: Double?
        for value in values where !value.isNaN { result = max(result ?? value, value) }
        return result
    }
}
