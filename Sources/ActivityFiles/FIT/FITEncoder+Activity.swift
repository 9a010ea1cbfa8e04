import Foundation

extension FITEncoder {
    /// How `activity(_:options:)` lays out a file, to exercise every path of the protocol.
    struct ActivityOptions: Sendable {
        var endianness: Endianness = .little
        /// Alternate little- and big-endian definitions (overrides `endianness`).
        var alternatingEndianness = false
        var headerSize = 14
        /// Records less than 32 s after the previous timestamp get compressed-timestamp headers.
        var compressedTimestamps = false
        /// Every message is preceded by a fresh definition of local message type 0.
        var redefineEveryMessage = false
        /// Write `altitude`/`speed` (16-bit) instead of `enhanced_altitude`/`enhanced_speed`.
        var legacySpeedAndAltitude = false
        /// Add developer_data_id, field_description and a developer field on every record.
        var developerFields = false
        /// file_id.type; 4 is activity.
        var fileType: UInt16 = FITProfile.activityFileType
    }

    /// A FIT file holding `track`, inverse of `FITDecoder.decode` up to the FIT resolutions
    /// (1/2^31 semicircle, 0.2 m altitude, 1 mm/s, 1 cm, 1 ms, 1/128 rpm, whole bpm, W, °C).
    static func activity(_ track: Track, options: ActivityOptions = .init()) -> [UInt8] {
        var writer = ActivityWriter(options: options)
        writer.write(track)
        return writer.encoder.file(headerSize: options.headerSize)
    }

    static func fitTime(_ date: Date) -> UInt32 {
        UInt32((date.timeIntervalSince1970 - FITProfile.epochOffset).rounded())
    }
}

/// Writes a `Track` message by message.
private struct ActivityWriter {
    typealias Field = FITEncoder.Field
    typealias Value = FITEncoder.Value

    enum Local: UInt8 {
        // Compressed-timestamp headers can only name local types 0...3.
        case compressedRecord = 0, record, event, fileID, deviceInfo, lap, session, hrv, developer, description
    }

    var encoder = FITEncoder()
    let options: FITEncoder.ActivityOptions
    var definitionCount = 0
    var defined: Set<UInt8> = []
    var lastTimestamp: UInt32?

    init(options: FITEncoder.ActivityOptions) {
        self.options = options
    }

    /// Defines `local` when needed (always with `redefineEveryMessage`, where every message uses 0),
    /// then writes the values.
    mutating func message(
        _ local: Local, global: UInt16, _ fields: [(Field, Value?)], developer: [FITEncoder.DeveloperField] = [],
        developerValues: [[UInt8]] = [], timeOffset: UInt8? = nil
    ) {
        let localType = options.redefineEveryMessage ? 0 : local.rawValue
        if options.redefineEveryMessage || !defined.contains(localType) {
            var endianness = options.endianness
            if options.alternatingEndianness { endianness = definitionCount % 2 == 0 ? .little : .big }
            definitionCount += 1
            encoder.define(
                localType: localType, globalMessage: global, fields: fields.map(\.0), developerFields: developer,
                endianness: endianness)
            defined.insert(localType)
        }
        encoder.write(localType: localType, fields.map(\.1), developerValues: developerValues, timeOffset: timeOffset)
    }

    static func int(_ value: Double?, scale: Double = 1, offset: Double = 0) -> Value? {
        value.map { .integer(Int64((($0 + offset) * scale).rounded())) }
    }

    static func number(_ name: String?, in table: [UInt16: String]) -> UInt16? {
        guard let name else { return nil }
        return table.first { $0.value == name }?.key ?? UInt16(name)
    }

    mutating func write(_ track: Track) {
        writeHeaderMessages(track)
        var events = track.timerEvents[...]
        var rr = track.rrIntervals[...]
        for point in track.points {
            while let event = events.first, event.time <= point.time {
                writeEvent(event)
                events = events.dropFirst()
            }
            writeRecord(point)
            if !rr.isEmpty {
                let chunk = rr.prefix(5)
                rr = rr.dropFirst(chunk.count)
                message(
                    .hrv, global: FITProfile.Message.hrv,
                    [(Field(number: 0, type: .uint16, count: 5), .array(chunk.map { Int64(($0 * 1000).rounded()) }))])
            }
        }
        for event in events { writeEvent(event) }
        for lap in track.laps { writeLap(lap) }
        writeSession(track)
    }

    mutating func writeHeaderMessages(_ track: Track) {
        let device = track.device
        let manufacturer = Self.number(device?.manufacturer, in: FITProfile.manufacturerNames)
        let product = Self.number(device?.product, in: FITProfile.garminProductNames)
        let start = (track.startTime ?? track.points.first?.time).map(FITEncoder.fitTime)
        var fileFields: [(Field, Value?)] = [
            (Field(number: 0, type: .enumeration), .integer(Int64(options.fileType))),
            (Field(number: 1, type: .uint16), manufacturer.map { .integer(Int64($0)) }),
            (Field(number: 2, type: .uint16), product.map { .integer(Int64($0)) }),
            (Field(number: 3, type: .uint32z), device?.serialNumber.flatMap { Int64($0) }.map { .integer($0) }),
            (Field(number: 4, type: .uint32), start.map { .integer(Int64($0)) }),
        ]
        if product == nil, let name = device?.product {
            fileFields.append((Field(number: 8, type: .string, count: 20), .string(name)))
        }
        message(.fileID, global: FITProfile.Message.fileID, fileFields)

        if let version = device?.softwareVersion.flatMap(Double.init) {
            message(
                .deviceInfo, global: FITProfile.Message.deviceInfo,
                [
                    (Field(number: 253, type: .uint32), start.map { .integer(Int64($0)) }),
                    (Field(number: 0, type: .uint8), 0),
                    (Field(number: 5, type: .uint16), Self.int(version, scale: 100)),
                ])
        }
        if options.developerFields {
            message(
                .developer, global: FITProfile.Message.developerDataID,
                [
                    (Field(number: 1, type: .byte, count: 16), .bytes(Array(0..<16))),
                    (Field(number: 3, type: .uint8), 0),
                ])
            message(
                .description, global: FITProfile.Message.fieldDescription,
                [
                    (Field(number: 0, type: .uint8), 0),
                    (Field(number: 1, type: .uint8), 0),
                    (Field(number: 2, type: .uint8), .integer(Int64(FITBaseType.uint16.definitionByte))),
                    (Field(number: 3, type: .string, count: 16), "core_temperature"),
                    (Field(number: 8, type: .string, count: 8), "C"),
                ])
        }
    }

    mutating func writeEvent(_ event: TimerEvent) {
        let time = FITEncoder.fitTime(event.time)
        lastTimestamp = time
        message(
            .event, global: FITProfile.Message.event,
            [
                (Field(number: 253, type: .uint32), .integer(Int64(time))),
                (Field(number: 0, type: .enumeration), .integer(Int64(FITProfile.timerEvent))),
                (Field(number: 1, type: .enumeration), event.kind == .start ? 0 : 4),
            ])
    }

    mutating func writeRecord(_ point: TrackPoint) {
        let time = FITEncoder.fitTime(point.time)
        var timeOffset: UInt8?
        if options.compressedTimestamps, let last = lastTimestamp, time >= last, time - last < 32 {
            timeOffset = UInt8(time & 0x1F)
        }
        lastTimestamp = time
        let semicircles = 1 / FITProfile.degreesPerSemicircle
        let cadence = point.cadence.map { $0.rounded(.down) }
        var fields: [(Field, Value?)] = []
        if timeOffset == nil { fields.append((Field(number: 253, type: .uint32), .integer(Int64(time)))) }
        fields += [
            (Field(number: 0, type: .sint32), Self.int(point.latitude, scale: semicircles)),
            (Field(number: 1, type: .sint32), Self.int(point.longitude, scale: semicircles)),
            (Field(number: 3, type: .uint8), Self.int(point.heartRate)),
            (Field(number: 4, type: .uint8), Self.int(cadence)),
            (Field(number: 53, type: .uint8), Self.int(point.cadence.map { $0 - $0.rounded(.down) }, scale: 128)),
            (Field(number: 5, type: .uint32), Self.int(point.distance, scale: 100)),
            (Field(number: 7, type: .uint16), Self.int(point.power)),
            (Field(number: 13, type: .sint8), Self.int(point.temperature)),
        ]
        if options.legacySpeedAndAltitude {
            fields.append((Field(number: 2, type: .uint16), Self.int(point.altitude, scale: 5, offset: 500)))
            fields.append((Field(number: 6, type: .uint16), Self.int(point.speed, scale: 1000)))
        } else {
            fields.append((Field(number: 78, type: .uint32), Self.int(point.altitude, scale: 5, offset: 500)))
            fields.append((Field(number: 73, type: .uint32), Self.int(point.speed, scale: 1000)))
        }
        var developer: [FITEncoder.DeveloperField] = []
        var developerValues: [[UInt8]] = []
        if options.developerFields {
            developer = [FITEncoder.DeveloperField(number: 0, size: 2, developerDataIndex: 0)]
            developerValues = [[0x6E, 0x0E]]
        }
        message(
            timeOffset == nil ? .record : .compressedRecord, global: FITProfile.Message.record, fields,
            developer: developer, developerValues: developerValues, timeOffset: timeOffset)
    }

    mutating func writeLap(_ lap: Lap) {
        let start = FITEncoder.fitTime(lap.startTime)
        let end = start + UInt32((lap.elapsedTime ?? 0).rounded())
        lastTimestamp = end
        message(
            .lap, global: FITProfile.Message.lap,
            [
                (Field(number: 253, type: .uint32), .integer(Int64(end))),
                (Field(number: 2, type: .uint32), .integer(Int64(start))),
                (Field(number: 7, type: .uint32), Self.int(lap.elapsedTime, scale: 1000)),
                (Field(number: 8, type: .uint32), Self.int(lap.timerTime, scale: 1000)),
                (Field(number: 9, type: .uint32), Self.int(lap.distance, scale: 100)),
                (Field(number: 11, type: .uint16), Self.int(lap.calories)),
                (Field(number: 15, type: .uint8), Self.int(lap.averageHeartRate)),
                (Field(number: 16, type: .uint8), Self.int(lap.maxHeartRate)),
                (
                    Field(number: 24, type: .enumeration),
                    Self.number(lap.trigger, in: FITProfile.lapTriggerNames).map { .integer(Int64($0)) }
                ),
            ])
    }

    mutating func writeSession(_ track: Track) {
        let summary = track.deviceSummary
        let start = (track.startTime ?? track.points.first?.time).map(FITEncoder.fitTime)
        let end = track.points.last.map { FITEncoder.fitTime($0.time) } ?? start
        message(
            .session, global: FITProfile.Message.session,
            [
                (Field(number: 253, type: .uint32), end.map { .integer(Int64($0)) }),
                (Field(number: 2, type: .uint32), start.map { .integer(Int64($0)) }),
                (
                    Field(number: 5, type: .enumeration),
                    Self.number(track.sport, in: FITProfile.sportNames).map { .integer(Int64($0)) }
                ),
                (
                    Field(number: 6, type: .enumeration),
                    Self.number(track.subSport, in: FITProfile.subSportNames).map { .integer(Int64($0)) }
                ),
                (Field(number: 7, type: .uint32), Self.int(summary?.elapsedTime, scale: 1000)),
                (Field(number: 8, type: .uint32), Self.int(summary?.timerTime, scale: 1000)),
                (Field(number: 9, type: .uint32), Self.int(summary?.distance, scale: 100)),
                (Field(number: 11, type: .uint16), Self.int(summary?.calories)),
                (Field(number: 22, type: .uint16), Self.int(summary?.ascent)),
                (Field(number: 23, type: .uint16), Self.int(summary?.descent)),
            ])
    }
}
