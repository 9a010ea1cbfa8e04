import Foundation

/// Decodes the data records of one FIT file (one part of a chained file) into a `FITTrackBuilder`.
///
/// Follows "FIT Protocol" (FIT SDK), section 4: record headers (normal and compressed-timestamp),
/// definition messages (architecture byte, local message redefinition, developer fields) and data
/// messages laid out as their definition says.
struct FITDataParser {
    private var definitions = [FITDefinition?](repeating: nil, count: 16)
    private var fieldPool: [FITFieldLayout] = []
    /// The last full timestamp seen, the base of compressed timestamps (section 4.1.2).
    private var lastTimestamp: UInt32?
    /// Accumulated 12-bit distance of `compressed_speed_distance`, in 1/16 m.
    private var compressedDistance: UInt64 = 0
    private var lastCompressedDistance: UInt64?
    /// Whether this part is a non-activity file whose data is ignored.
    private var skipping = false

    init() {
        fieldPool.reserveCapacity(256)
    }

    /// Parses `bytes[start..<end]`, the data records of one file.
    mutating func parse(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, into builder: inout FITTrackBuilder
    ) throws(ActivityFileError) {
        var position = start
        var records = 0
        while position < end {
            records &+= 1
            if records & 0xFFF == 0, Task.isCancelled { throw ActivityFileError.cancelled }
            let header = bytes[position]
            let headerOffset = position
            position += 1
            let local: Int
            var timestamp: UInt32?
            if header & 0x80 != 0 {
                // Compressed timestamp header: 2 bits local type, 5 bits time offset.
                local = Int((header >> 5) & 0x03)
                guard let last = lastTimestamp else {
                    throw ActivityFileError(
                        .corrupt,
                        "FIT record at byte \(headerOffset) has a compressed timestamp but no full timestamp precedes it"
                    )
                }
                let offset = UInt32(header & 0x1F)
                let next = last &+ ((offset &- last) & 0x1F)
                lastTimestamp = next
                timestamp = next
            } else if header & 0x40 != 0 {
                position = try parseDefinition(bytes, at: position, end: end, header: header)
                continue
            } else {
                local = Int(header & 0x0F)
            }
            guard let definition = definitions[local] else {
                throw ActivityFileError(
                    .corrupt,
                    "FIT data message at byte \(headerOffset) uses local message type \(local), which no definition precedes"
                )
            }
            guard position + definition.size <= end else {
                throw ActivityFileError(
                    .corrupt,
                    "FIT data message at byte \(headerOffset) needs \(definition.size) bytes but the data ends at byte \(end)"
                )
            }
            decodeMessage(definition, bytes, base: position, timestamp: timestamp, into: &builder)
            position += definition.size
        }
    }

    /// Reads a definition message and returns the position after it.
    private mutating func parseDefinition(
        _ bytes: UnsafeRawBufferPointer, at start: Int, end: Int, header: UInt8
    ) throws(ActivityFileError) -> Int {
        func overrun() -> ActivityFileError {
            ActivityFileError(.corrupt, "FIT definition message at byte \(start - 1) runs past the end of the data")
        }
        guard start + 5 <= end else { throw overrun() }
        let architecture = bytes[start + 1]
        guard architecture <= 1 else {
            throw ActivityFileError(
                .corrupt,
                "FIT definition message at byte \(start - 1) has architecture \(architecture); expected 0 or 1")
        }
        let bigEndian = architecture == 1
        let global =
            bigEndian
            ? UInt16(bytes[start + 2]) << 8 | UInt16(bytes[start + 3])
            : UInt16(bytes[start + 3]) << 8 | UInt16(bytes[start + 2])
        let fieldCount = Int(bytes[start + 4])
        var position = start + 5
        guard position + 3 * fieldCount <= end else { throw overrun() }

        let kind = FITProfile.Kind(globalMessage: global)
        let fieldStart = fieldPool.count
        var size = 0
        for _ in 0..<fieldCount {
            let number = bytes[position]
            let fieldSize = Int(bytes[position + 1])
            let typeByte = bytes[position + 2]
            position += 3
            // A field whose size is not a whole number of its type's elements is read as bytes by
            // the SDK; Stamina has no use for such a field and skips it.
            if let field = FITProfile.field(kind: kind, number: number),
                let type = FITBaseType(definitionByte: typeByte),
                fieldSize >= type.size, fieldSize % type.size == 0
            {
                fieldPool.append(
                    FITFieldLayout(
                        field: field, type: type, offset: size, size: fieldSize, invalid: type.invalidPattern))
            }
            size += fieldSize
        }
        if header & 0x20 != 0 {
            // Developer fields (section 4.2.1.5): their descriptions come in field_description
            // messages; Stamina reads no developer field, so only their sizes matter.
            guard position + 1 <= end else { throw overrun() }
            let developerCount = Int(bytes[position])
            position += 1
            guard position + 3 * developerCount <= end else { throw overrun() }
            for index in 0..<developerCount {
                size += Int(bytes[position + 3 * index + 1])
            }
            position += 3 * developerCount
        }
        definitions[Int(header & 0x0F)] = FITDefinition(
            globalMessage: global, kind: kind, bigEndian: bigEndian, size: size,
            fieldStart: fieldStart, fieldEnd: fieldPool.count)
        return position
    }

    private mutating func decodeMessage(
        _ definition: FITDefinition, _ bytes: UnsafeRawBufferPointer, base: Int, timestamp compressed: UInt32?,
        into builder: inout FITTrackBuilder
    ) {
        let bigEndian = definition.bigEndian
        var timestamp = compressed
        switch definition.kind {
        case .record where !skipping:
            var latitude: Double?
            var longitude: Double?
            var altitude: Double?
            var enhancedAltitude: Double?
            var speed: Double?
            var enhancedSpeed: Double?
            var cadence: Double?
            var fractionalCadence: Double?
            var point = TrackPoint(time: Date(timeIntervalSince1970: 0))
            for index in definition.fieldStart..<definition.fieldEnd {
                let layout = fieldPool[index]
                switch layout.field {
                case .timestamp:
                    if let value = bytes.fitInteger(layout, base: base, bigEndian: bigEndian) {
                        timestamp = UInt32(truncatingIfNeeded: value)
                    }
                case .positionLat:
                    latitude = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .positionLong:
                    longitude = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .altitude:
                    altitude = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .enhancedAltitude:
                    enhancedAltitude = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .heartRate:
                    point.heartRate = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .cadence:
                    cadence = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .fractionalCadence:
                    fractionalCadence = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .distance:
                    point.distance = bytes.fitNumber(layout, base: base, bigEndian: bigEndian).map { $0 / 100 }
                case .speed:
                    speed = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .enhancedSpeed:
                    enhancedSpeed = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .power:
                    point.power = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .temperature:
                    point.temperature = bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
                case .compressedSpeedDistance:
                    decodeCompressedSpeedDistance(bytes, at: base + layout.offset, size: layout.size, into: &point)
                default:
                    break
                }
            }
            if let timestamp { lastTimestamp = timestamp }
            // A record without any timestamp cannot be placed in time; the SDK would report it
            // without one, Stamina drops it.
            guard let timestamp else { break }
            point.time = FITTrackBuilder.date(timestamp)
            if let latitude, let longitude {
                point.latitude = latitude * FITProfile.degreesPerSemicircle
                point.longitude = longitude * FITProfile.degreesPerSemicircle
            }
            // enhanced_altitude and enhanced_speed are the 32-bit forms of altitude and speed
            // (profile: altitude/speed have components enhanced_altitude/enhanced_speed); same scale.
            if let raw = enhancedAltitude ?? altitude { point.altitude = raw / 5 - 500 }
            if let raw = enhancedSpeed ?? speed { point.speed = raw / 1000 }
            if let cadence { point.cadence = cadence + (fractionalCadence.map { $0 / 128 } ?? 0) }
            builder.append(FITTrackBuilder.Point(timestamp: timestamp, point: point))

        case .record, .other:
            for index in definition.fieldStart..<definition.fieldEnd {
                let layout = fieldPool[index]
                if layout.field == .timestamp, let value = bytes.fitInteger(layout, base: base, bigEndian: bigEndian) {
                    timestamp = UInt32(truncatingIfNeeded: value)
                }
            }
            if let timestamp { lastTimestamp = timestamp }

        default:
            decodeSummaryMessage(definition, bytes, base: base, timestamp: compressed, into: &builder)
        }
    }

    /// `compressed_speed_distance` (record field 8, byte[3]): speed in the low 12 bits (scale 100,
    /// m/s) and distance in the high 12 bits (scale 16, m, accumulated across 4096 rollovers), as
    /// the profile's components say.
    private mutating func decodeCompressedSpeedDistance(
        _ bytes: UnsafeRawBufferPointer, at offset: Int, size: Int, into point: inout TrackPoint
    ) {
        guard size >= 3 else { return }
        let b0 = UInt64(bytes[offset])
        let b1 = UInt64(bytes[offset + 1])
        let b2 = UInt64(bytes[offset + 2])
        guard b0 & b1 & b2 != 0xFF else { return }
        if point.speed == nil { point.speed = Double(b0 | (b1 & 0x0F) << 8) / 100 }
        let raw = (b1 >> 4) | (b2 << 4)
        if let last = lastCompressedDistance {
            compressedDistance += (raw &- last) & 0xFFF
        } else {
            compressedDistance = raw
        }
        lastCompressedDistance = raw
        if point.distance == nil { point.distance = Double(compressedDistance) / 16 }
    }

    /// Everything but records: file_id, device_info, sport, session, lap, event, hrv. These are
    /// rare, so clarity wins over speed here.
    private mutating func decodeSummaryMessage(
        _ definition: FITDefinition, _ bytes: UnsafeRawBufferPointer, base: Int, timestamp compressed: UInt32?,
        into builder: inout FITTrackBuilder
    ) {
        let bigEndian = definition.bigEndian
        let layouts = fieldPool[definition.fieldStart..<definition.fieldEnd]
        func number(_ field: FITProfile.Field) -> Double? {
            guard let layout = layouts.first(where: { $0.field == field }) else { return nil }
            return bytes.fitNumber(layout, base: base, bigEndian: bigEndian)
        }
        func integer(_ field: FITProfile.Field) -> UInt16? {
            guard let value = number(field), value >= 0, value <= Double(UInt16.max) else { return nil }
            return UInt16(value)
        }
        func time(_ field: FITProfile.Field) -> UInt32? {
            guard let value = number(field), value >= 0, value <= Double(UInt32.max) else { return nil }
            return UInt32(value)
        }
        func string(_ field: FITProfile.Field) -> String? {
            guard let layout = layouts.first(where: { $0.field == field && $0.type == .string }) else { return nil }
            return bytes.fitString(layout, base: base)
        }

        let timestamp = time(.timestamp) ?? compressed
        if let timestamp { lastTimestamp = timestamp }

        if definition.kind == .fileID {
            let fileID = FITTrackBuilder.FileID(
                type: integer(.fileType), manufacturer: integer(.manufacturer), product: integer(.product),
                serialNumber: number(.serialNumber).map { UInt64($0) }, productName: string(.productName))
            // A chained part that is not an activity (e.g. settings) contributes nothing.
            skipping = fileID.type.map { $0 != FITProfile.activityFileType } ?? false
            builder.fileIDs.append(fileID)
            return
        }
        guard !skipping else { return }

        switch definition.kind {
        case .fileCreator:
            builder.fileCreatorSoftwareVersion = builder.fileCreatorSoftwareVersion ?? number(.creatorSoftwareVersion)
        case .deviceInfo:
            // device_index 0 is the creator, the device that recorded the file.
            if integer(.deviceIndex) == 0, builder.creatorSoftwareVersion == nil {
                builder.creatorSoftwareVersion = number(.softwareVersion).map { $0 / 100 }
            }
        case .sport:
            builder.sports.append((integer(.sport), integer(.subSport)))
        case .session:
            var session = FITTrackBuilder.Session()
            session.startTime = time(.startTime)
            session.sport = integer(.sport)
            session.subSport = integer(.subSport)
            session.summary.elapsedTime = number(.totalElapsedTime).map { $0 / 1000 }
            session.summary.timerTime = number(.totalTimerTime).map { $0 / 1000 }
            session.summary.distance = number(.totalDistance).map { $0 / 100 }
            session.summary.calories = number(.totalCalories)
            session.summary.ascent = number(.totalAscent)
            session.summary.descent = number(.totalDescent)
            builder.sessions.append(session)
        case .lap:
            let elapsed = number(.totalElapsedTime).map { $0 / 1000 }
            let start =
                time(.startTime)
                ?? timestamp.flatMap { end in elapsed.map { end &- UInt32($0.rounded()) } }
            guard let start else { return }
            var lap = Lap(startTime: FITTrackBuilder.date(start))
            lap.elapsedTime = elapsed
            lap.timerTime = number(.totalTimerTime).map { $0 / 1000 }
            lap.distance = number(.totalDistance).map { $0 / 100 }
            lap.calories = number(.totalCalories)
            lap.averageHeartRate = number(.averageHeartRate)
            lap.maxHeartRate = number(.maxHeartRate)
            lap.trigger = integer(.lapTrigger).map { FITTrackBuilder.name($0, in: FITProfile.lapTriggerNames) }
            builder.laps.append(lap)
        case .event:
            guard integer(.event) == FITProfile.timerEvent, let timestamp,
                let type = integer(.eventType), let kind = FITProfile.timerKind(eventType: type)
            else { return }
            builder.timerEvents.append(TimerEvent(time: FITTrackBuilder.date(timestamp), kind: kind))
        case .hrv:
            // hrv.time: uint16[] with scale 1000, seconds; 0xFFFF pads unused slots.
            for layout in layouts where layout.field == .hrvTime && layout.type.size == 2 {
                for element in 0..<(layout.size / 2) {
                    let raw = bytes.fitUnsigned(at: base + layout.offset + 2 * element, size: 2, bigEndian: bigEndian)
                    if raw != layout.invalid { builder.rrIntervals.append(Double(raw) / 1000) }
                }
            }
        case .fileID, .record, .other:
            break
        }
    }
}
