/// Energy expenditure estimates, in order of preference: the device's total; Keytel's heart-rate regression;
/// the Compendium MET value.
public enum Calories {
    /// Kilocalories from average heart rate (Keytel, Goedecke, Noakes et al., "Prediction of energy expenditure
    /// from heart rate monitoring during submaximal exercise", J. Sports Sci. 23(3), 2005, equations without
    /// VO₂max): kJ/min = −55.0969 + 0.6309·HR + 0.1988·W + 0.2017·A (men), −20.4022 + 0.4472·HR − 0.1263·W +
    /// 0.074·A (women); ÷ 4.184 for kcal. Unspecified sex takes the mean of both. `nil` when not positive.
    public static func fromHeartRate(
        averageHeartRate: Double, weight: Double, age: Double, sex: AthleteSettings.Sex?, duration: Double
    ) -> Double? {
        let male = -55.0969 + 0.6309 * averageHeartRate + 0.1988 * weight + 0.2017 * age
        let female = -20.4022 + 0.4472 * averageHeartRate - 0.1263 * weight + 0.074 * age
        let kilojoulesPerMinute =
            switch sex {
            case .male: male
            case .female: female
            case nil: (male + female) / 2
            }
        let kilocalories = kilojoulesPerMinute / 4.184 * duration / 60
        return kilocalories > 0 ? kilocalories : nil
    }

    /// MET values from the 2011 Compendium of Physical Activities (Ainsworth et al., Med. Sci. Sports Exerc.
    /// 43(8), 2011), with the activity code used.
    public static func met(for sport: Sport) -> Double {
        switch sport {
        case .running: 8.0  // 12150 running, general
        case .trailRunning: 9.0  // 12140 running, cross country
        case .cycling: 7.5  // 01015 bicycling, general
        case .mountainBiking: 8.5  // 01009 bicycling, mountain, general
        case .walking: 3.5  // 17200 walking, 2.8–3.2 mph, level, moderate pace
        case .hiking: 6.0  // 17080 hiking, cross country
        case .swimming: 5.8  // 18310 swimming laps, freestyle, light or moderate effort
        case .rowing: 7.0  // 15230/02070 rowing, general, moderate effort
        case .crossCountrySkiing: 9.0  // 19080 skiing, cross country, moderate speed and effort, general
        case .alpineSkiing: 5.3  // 19150 skiing, downhill, moderate effort, general, active time only
        case .strength: 3.5  // 02054 resistance (weight) training, multiple exercises, 8–15 repetitions
        case .yoga: 2.5  // 02150 yoga, hatha
        case .other: 4.0  // Stamina default: middle of the Compendium's moderate band (3–6 MET)
        }
    }

    /// Kilocalories as MET × kg × hours (1 MET ≈ 1 kcal·kg⁻¹·h⁻¹, Compendium convention).
    public static func fromMET(sport: Sport, weight: Double, duration: Double) -> Double {
        met(for: sport) * weight * duration / 3600
    }

    static func estimate(
        device: Double?, averageHeartRate: Double?, duration: Double, sport: Sport, athlete: AthleteSettings
    ) -> (kilocalories: Double, source: CaloriesSource)? {
        if let device, device.isFinite, device >= 0 { return (device, .device) }
        guard duration > 0, let weight = athlete.weight, weight > 0 else { return nil }
        if let averageHeartRate, let age = athlete.age,
            let value = fromHeartRate(
                averageHeartRate: averageHeartRate, weight: weight, age: age, sex: athlete.sex, duration: duration)
        {
            return (value, .heartRate)
        }
        return (fromMET(sport: sport, weight: weight, duration: duration), .met)
    }
}
