import Foundation
import Testing

@testable import ActivityFiles

@Suite("FIT decoder")
struct FITDecoderTests {
    typealias Options = FITEncoder.ActivityOptions

    static let layouts: [(String, Options)] = [
        ("little-endian, 14-byte header", Options()),
        ("big-endian definitions", Options(endianness: .big)),
        ("alternating byte orders", Options(alternatingEndianness: true)),
        ("12-byte header without header CRC", Options(headerSize: 12)),
        ("compressed-timestamp headers", Options(compressedTimestamps: true)),
        ("local message 0 redefined before every message", Options(redefineEveryMessage: true)),
        ("16-bit speed and altitude", Options(legacySpeedAndAltitude: true)),
        ("developer data fields", Options(developerFields: true)),
        (
            "everything at once, big-endian",
            Options(
                endianness: .big, compressedTimestamps: true, redefineEveryMessage: true,
                legacySpeedAndAltitude: true, developerFields: true)
        ),
    ]

    @Test("an encoded activity decodes to the same track", arguments: layouts)
    func roundTrip(layout: String, options: Options) throws {
        let track = FITSample.run()
        let decoded = try FITDecoder().decode(FITEncoder.activity(track, options: options))
        FITSample.expectEquivalent(decoded, track)
    }

    @Test("compressed-timestamp headers make the file smaller yet keep every time")
    func compressedTimestampsAreUsed() throws {
        let track = FITSample.run()
        let plain = FITEncoder.activity(track)
        let compressed = FITEncoder.activity(track, options: Options(compressedTimestamps: true))
        // Each compressed record saves its 4-byte timestamp; the record after the 40 s pause
        // (and the first) must carry a full one.
        #expect(plain.count - compressed.count >= 4 * (track.points.count - 4))
        #expect(try FITDecoder().decode(compressed).points.map(\.time) == track.points.map(\.time))
    }

    @Test("compressed time offsets roll over the 32-second boundary")
    func compressedTimestampRollover() throws {
        let bytes = FITSample.file { encoder in
            encoder.define(localType: 0, globalMessage: 20, fields: [.init(number: 253, type: .uint32)])
            encoder.write(localType: 0, [.integer(1_000_000_030)])  // 30 mod 32
            encoder.define(localType: 1, globalMessage: 20, fields: [.init(number: 3, type: .uint8)])
            encoder.write(localType: 1, [100], timeOffset: 31)  // +1 s
            encoder.write(localType: 1, [101], timeOffset: 2)  // wraps: +3 s
            encoder.write(localType: 1, [102], timeOffset: 2)  // same time again: merged
        }
        let track = try FITDecoder().decode(bytes)
        let seconds = track.points.map { $0.time.timeIntervalSince(FITSample.start) }
        #expect(seconds == [30, 31, 34])
        #expect(track.points.map(\.heartRate) == [nil, 100, 101])
    }

    @Test("indoor activities without positions decode")
    func indoorActivity() throws {
        var track = FITSample.run(positions: false)
        track.sport = "cycling"
        track.subSport = "indoor_cycling"
        let decoded = try FITDecoder().decode(FITEncoder.activity(track))
        FITSample.expectEquivalent(decoded, track)
        #expect(decoded.points.allSatisfy { $0.latitude == nil && $0.longitude == nil })
    }

    @Test(
        "sport and sub-sport numbers map to FIT profile names",
        arguments: [
            (1, "running"), (2, "cycling"), (5, "swimming"), (11, "walking"), (17, "hiking"), (10, "training"),
            (15, "rowing"), (21, "e_biking"),
        ] as [(Int64, String)],
        [(3, "trail"), (1, "treadmill"), (6, "indoor_cycling"), (7, "road"), (8, "mountain"), (17, "lap_swimming")]
            as [(Int64, String)]
    )
    func sportNames(sport: (Int64, String), subSport: (Int64, String)) throws {
        let bytes = FITSample.file { encoder in
            encoder.define(
                localType: 0, globalMessage: 18,
                fields: [
                    .init(number: 253, type: .uint32), .init(number: 5, type: .enumeration),
                    .init(number: 6, type: .enumeration),
                ])
            encoder.write(localType: 0, [1_000_000_000, .integer(sport.0), .integer(subSport.0)])
        }
        let track = try FITDecoder().decode(bytes)
        #expect(track.sport == sport.1)
        #expect(track.subSport == subSport.1)
    }

    @Test("sessions of different sports make a multisport track whose totals add up")
    func multisport() throws {
        let bytes = FITSample.file { encoder in
            encoder.define(
                localType: 0, globalMessage: 18,
                fields: [.init(number: 5, type: .enumeration), .init(number: 9, type: .uint32)])
            encoder.write(localType: 0, [1, 500_000])
            encoder.write(localType: 0, [2, 2_000_000])
        }
        let track = try FITDecoder().decode(bytes)
        #expect(track.sport == "multisport")
        #expect(track.deviceSummary?.distance == 25_000)
    }

    static let numericTypes = FITBaseType.allCases.filter { $0 != .string }

    @Test(
        "every numeric base type decodes in both byte orders, its invalid value meaning absent",
        arguments: numericTypes, [FITEncoder.Endianness.little, .big])
    func baseTypes(type: FITBaseType, endianness: FITEncoder.Endianness) throws {
        let value: FITEncoder.Value = type == .float32 || type == .float64 ? .float(123) : .integer(123)
        let bytes = FITSample.file { encoder in
            encoder.define(
                localType: 0, globalMessage: 20,
                fields: [.init(number: 253, type: .uint32), .init(number: 7, type: type)], endianness: endianness)
            encoder.write(localType: 0, [1_000_000_000, value])
            encoder.write(localType: 0, [1_000_000_001, nil])
        }
        let track = try FITDecoder().decode(bytes)
        #expect(track.points.map(\.power) == [123, nil])
    }

    @Test(
        "signed base types keep their sign",
        arguments: [FITBaseType.sint8, .sint16, .sint32, .sint64, .float32, .float64])
    func signedTypes(type: FITBaseType) throws {
        let value: FITEncoder.Value = type == .float32 || type == .float64 ? .float(-12) : .integer(-12)
        let bytes = FITSample.file { encoder in
            encoder.define(
                localType: 0, globalMessage: 20,
                fields: [.init(number: 253, type: .uint32), .init(number: 13, type: type)], endianness: .big)
            encoder.write(localType: 0, [1_000_000_000, value])
        }
        #expect(try FITDecoder().decode(bytes).points.first?.temperature == -12)
    }

    @Test("enhanced speed and altitude win over the 16-bit fields")
    func enhancedFieldsPreferred() throws {
        let bytes = FITSample.file { encoder in
            encoder.define(
                localType: 0, globalMessage: 20,
                fields: [
                    .init(number: 253, type: .uint32), .init(number: 2, type: .uint16),
                    .init(number: 78, type: .uint32), .init(number: 6, type: .uint16),
                    .init(number: 73, type: .uint32),
                ])
            // altitude 100 m vs enhanced 9000 m (beyond 16 bits), speed 1 vs 70 m/s.
            encoder.write(localType: 0, [1_000_000_000, 3000, 47_500, 1000, 70_000])
            encoder.write(localType: 0, [1_000_000_001, 3000, nil, 1000, nil])
        }
        let points = try FITDecoder().decode(bytes).points
        #expect(points.map(\.altitude) == [9000, 100])
        #expect(points.map(\.speed) == [70, 1])
    }

    @Test("compressed speed and distance expand into speed and accumulated distance")
    func compressedSpeedDistance() throws {
        // Profile: record field 8, byte[3]: speed (12 bits, scale 100), distance (12 bits, scale 16,
        // accumulated).
        func packed(speed: Int, distance: Int) -> FITEncoder.Value {
            .bytes([
                UInt8(speed & 0xFF), UInt8(speed >> 8 & 0x0F | (distance & 0x0F) << 4), UInt8(distance >> 4 & 0xFF),
            ])
        }
        let bytes = FITSample.file { encoder in
            encoder.define(
                localType: 0, globalMessage: 20,
                fields: [.init(number: 253, type: .uint32), .init(number: 8, type: .byte, count: 3)])
            encoder.write(localType: 0, [1_000_000_000, packed(speed: 512, distance: 4000)])
            encoder.write(localType: 0, [1_000_000_001, packed(speed: 515, distance: 4090)])
            encoder.write(localType: 0, [1_000_000_002, packed(speed: 1023, distance: 10)])
        }
        let points = try FITDecoder().decode(bytes).points
        #expect(points.map(\.speed) == [5.12, 5.15, 10.23])
        let expected: [Double?] = [250, 255.625, 256.625]  // 4000/16, 4090/16, (4096 + 10)/16
        #expect(points.map(\.distance) == expected)
    }

    @Test("records come out in time order, duplicates merged")
    func ordering() throws {
        let bytes = FITSample.file { encoder in
            encoder.define(
                localType: 0, globalMessage: 20,
                fields: [
                    .init(number: 253, type: .uint32), .init(number: 3, type: .uint8), .init(number: 7, type: .uint16),
                ])
            encoder.write(localType: 0, [1_000_000_005, 150, nil])
            encoder.write(localType: 0, [1_000_000_001, 140, nil])
            encoder.write(localType: 0, [1_000_000_005, 999, 250])
            encoder.write(localType: 0, [1_000_000_003, nil, 240])
        }
        let points = try FITDecoder().decode(bytes).points
        #expect(points.map { $0.time.timeIntervalSince(FITSample.start) } == [1, 3, 5])
        #expect(points.map(\.heartRate) == [140, nil, 150])
        #expect(points.map(\.power) == [nil, 240, 250])
    }

    @Test("chained FIT files decode into one track")
    func chainedFiles() throws {
        let track = FITSample.run(points: 40)
        var first = track
        first.points = Array(track.points[..<20])
        first.laps = [track.laps[0]]
        first.timerEvents = []
        first.rrIntervals = []
        var second = track
        second.points = Array(track.points[20...])
        second.laps = [track.laps[1]]
        second.timerEvents = []
        second.rrIntervals = []
        second.deviceSummary = nil
        let bytes =
            FITEncoder.activity(first) + FITEncoder.activity(second, options: Options(endianness: .big))
            + [0, 0, 0]  // zero padding after the last file is ignored
        let decoded = try FITDecoder().decode(bytes)
        #expect(decoded.points.count == 40)
        #expect(decoded.laps == track.laps)
        #expect(decoded.points.map(\.time) == track.points.map(\.time))
    }

    @Test("a chained part that is not an activity is ignored")
    func chainedNonActivity() throws {
        let settings = FITSample.file(fileType: 2) { encoder in
            encoder.define(
                localType: 0, globalMessage: 20,
                fields: [.init(number: 253, type: .uint32), .init(number: 3, type: .uint8)])
            encoder.write(localType: 0, [1_000_000_000, 99])
        }
        let track = FITSample.run(points: 10)
        let decoded = try FITDecoder().decode(settings + FITEncoder.activity(track))
        #expect(decoded.points.count == 10)
        #expect(!decoded.points.contains { $0.heartRate == 99 })
    }

    @Test("timer events, RR intervals, device and laps are read")
    func summaryMessages() throws {
        let track = FITSample.run()
        let decoded = try FITDecoder().decode(FITEncoder.activity(track))
        #expect(decoded.timerEvents.map(\.kind) == [.start, .stop, .start, .stop])
        #expect(decoded.rrIntervals == [0.512, 0.498, 0.505, 0.49, 0.501, 0.512, 0.523])
        #expect(
            decoded.device
                == Device(
                    manufacturer: "garmin", product: "fenix7", serialNumber: "3950859721", softwareVersion: "12.10"))
        #expect(decoded.laps.map(\.trigger) == ["manual", "session_end"])
        #expect(decoded.deviceSummary?.distance == track.points.last?.distance)
    }

    @Test("a product outside Garmin's numbering keeps its name")
    func nonGarminProduct() throws {
        var track = FITSample.run(points: 3)
        track.device = Device(manufacturer: "wahoo_fitness", product: "ELEMNT BOLT", serialNumber: "12345")
        let decoded = try FITDecoder().decode(FITEncoder.activity(track))
        #expect(decoded.device == track.device)
    }

    @Test("the CRC is the FIT SDK's CRC-16 (CRC-16/ARC check value)")
    func crc() {
        #expect(FITCRC.compute(Array("123456789".utf8)) == 0xBB3D)
        let bytes = FITEncoder.activity(FITSample.run(points: 5))
        #expect(FITCRC.compute(bytes) == bytes.reduce(0, FITCRC.updateByNibbles))
        #expect(FITCRC.compute(bytes) == 0, "a file followed by its CRC checks to zero")
    }
}
