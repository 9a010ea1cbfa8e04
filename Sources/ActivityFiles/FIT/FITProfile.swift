/// The parts of the FIT profile (the SDK's `Profile.xlsx`) that Stamina reads: global message numbers
/// and, per message, the fields it decodes with their scale and offset.
enum FITProfile {
    /// Seconds from the Unix epoch to the FIT epoch, 1989-12-31T00:00:00Z (profile type `date_time`).
    static let epochOffset: Double = 631_065_600

    /// Degrees per semicircle: 180 / 2^31 (FIT SDK, "position_lat"/"position_long" are semicircles).
    static let degreesPerSemicircle: Double = 180.0 / 2_147_483_648.0

    /// Global message numbers (profile type `mesg_num`).
    enum Message {
        static let fileID: UInt16 = 0
        static let sport: UInt16 = 12
        static let session: UInt16 = 18
        static let lap: UInt16 = 19
        static let record: UInt16 = 20
        static let event: UInt16 = 21
        static let deviceInfo: UInt16 = 23
        static let activity: UInt16 = 34
        static let fileCreator: UInt16 = 49
        static let hrv: UInt16 = 78
        static let fieldDescription: UInt16 = 206
        static let developerDataID: UInt16 = 207
    }

    /// Field number of `timestamp`, common to all messages.
    static let timestampField: UInt8 = 253

    /// `file` type value for activity files.
    static let activityFileType: UInt16 = 4

    /// Manufacturers whose `product` field is a `garmin_product` (the profile's sub-field rule for
    /// `file_id.product` and `device_info.product`): garmin, dynastream_oem, dynastream, tacx.
    static let garminProductManufacturers: Set<UInt16> = [1, 13, 15, 89]

    /// The message kinds the decoder turns into track data.
    enum Kind: UInt8, Sendable {
        case fileID, fileCreator, deviceInfo, sport, session, lap, record, event, hrv, other

        init(globalMessage: UInt16) {
            switch globalMessage {
            case Message.fileID: self = .fileID
            case Message.fileCreator: self = .fileCreator
            case Message.deviceInfo: self = .deviceInfo
            case Message.sport: self = .sport
            case Message.session: self = .session
            case Message.lap: self = .lap
            case Message.record: self = .record
            case Message.event: self = .event
            case Message.hrv: self = .hrv
            default: self = .other
            }
        }
    }

    /// A field the decoder reads. One flat list for all messages, so that a definition's layout is
    /// an array of small values and the hot loop switches on one byte.
    enum Field: UInt8, Sendable {
        case timestamp
        // file_id
        case fileType, manufacturer, product, serialNumber, productName
        // file_creator, device_info
        case creatorSoftwareVersion, deviceIndex, softwareVersion
        // sport, session, lap
        case sport, subSport, startTime, totalElapsedTime, totalTimerTime, totalDistance, totalCalories
        case totalAscent, totalDescent, averageHeartRate, maxHeartRate, lapTrigger
        // record
        case positionLat, positionLong, altitude, enhancedAltitude, heartRate, cadence, fractionalCadence
        case distance, speed, enhancedSpeed, power, temperature, compressedSpeedDistance
        // event
        case event, eventType
        // hrv
        case hrvTime
    }

    /// The decoded field for a message's field number, or nil for a field Stamina ignores.
    static func field(kind: Kind, number: UInt8) -> Field? {
        if number == timestampField { return .timestamp }
        switch kind {
        case .fileID:
            switch number {
            case 0: return .fileType
            case 1: return .manufacturer
            case 2: return .product
            case 3: return .serialNumber
            case 8: return .productName
            default: return nil
            }
        case .fileCreator:
            return number == 0 ? .creatorSoftwareVersion : nil
        case .deviceInfo:
            switch number {
            case 0: return .deviceIndex
            case 2: return .manufacturer
            case 3: return .serialNumber
            case 4: return .product
            case 5: return .softwareVersion
            case 27: return .productName
            default: return nil
            }
        case .sport:
            switch number {
            case 0: return .sport
            case 1: return .subSport
            default: return nil
            }
        case .session:
            switch number {
            case 2: return .startTime
            case 5: return .sport
            case 6: return .subSport
            case 7: return .totalElapsedTime
            case 8: return .totalTimerTime
            case 9: return .totalDistance
            case 11: return .totalCalories
            case 22: return .totalAscent
            case 23: return .totalDescent
            default: return nil
            }
        case .lap:
            switch number {
            case 2: return .startTime
            case 7: return .totalElapsedTime
            case 8: return .totalTimerTime
            case 9: return .totalDistance
            case 11: return .totalCalories
            case 15: return .averageHeartRate
            case 16: return .maxHeartRate
            case 24: return .lapTrigger
            default: return nil
            }
        case .record:
            switch number {
            case 0: return .positionLat
            case 1: return .positionLong
            case 2: return .altitude
            case 3: return .heartRate
            case 4: return .cadence
            case 5: return .distance
            case 6: return .speed
            case 7: return .power
            case 8: return .compressedSpeedDistance
            case 13: return .temperature
            case 53: return .fractionalCadence
            case 73: return .enhancedSpeed
            case 78: return .enhancedAltitude
            default: return nil
            }
        case .event:
            switch number {
            case 0: return .event
            case 1: return .eventType
            default: return nil
            }
        case .hrv:
            return number == 0 ? .hrvTime : nil
        case .other:
            return nil
        }
    }

    /// Event value `timer` (profile type `event`).
    static let timerEvent: UInt16 = 0

    /// The timer event types that start the timer (`start`) and that stop it (`stop`, `stop_all`,
    /// `stop_disable`, `stop_disable_all`), profile type `event_type`.
    static func timerKind(eventType: UInt16) -> TimerEvent.Kind? {
        switch eventType {
        case 0: .start
        case 1, 4, 8, 9: .stop
        default: nil
        }
    }
}
