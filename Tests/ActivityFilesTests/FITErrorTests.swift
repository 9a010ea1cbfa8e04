import Foundation
import Testing

@testable import ActivityFiles

@Suite("FIT decoder on broken input")
struct FITErrorTests {
    static let valid = FITEncoder.activity(FITSample.run(points: 20))

    @Test("an empty file is reported as empty")
    func emptyFile() {
        #expect(FITSample.errorCode([]) == .empty)
    }

    @Test("a valid file without records, laps or sessions is empty")
    func noActivityData() {
        #expect(FITSample.errorCode(FITEncoder().file()) == .empty)
        #expect(FITSample.errorCode(FITSample.file { _ in }) == .empty)
    }

    @Test(
        "a file cut short is truncated",
        arguments: [1, 11, 12, 13, 14, 40, valid.count / 2, valid.count - 2, valid.count - 1])
    func truncated(length: Int) {
        #expect(FITSample.errorCode(Array(Self.valid.prefix(length))) == .truncated)
    }

    @Test("a chained file cut short is truncated")
    func truncatedChain() {
        let chained = Self.valid + Self.valid
        #expect(FITSample.errorCode(Array(chained.dropLast(5))) == .truncated)
        #expect(FITSample.errorCode(Self.valid + [14, 0x20]) == .truncated)
    }

    @Test(
        "other formats are the wrong format",
        arguments: [
            Array("<?xml version=\"1.0\"?><gpx></gpx>".utf8), Array("PK\u{3}\u{4} not a fit file at all".utf8),
        ])
    func wrongSignature(bytes: [UInt8]) {
        #expect(FITSample.errorCode(bytes) == .wrongFormat)
    }

    @Test("a bad header CRC is a checksum error naming both values")
    func badHeaderCRC() throws {
        var bytes = Self.valid
        bytes[12] ^= 0x01
        let error = try #require(FITSample.error(bytes))
        #expect(error.code == .checksum)
        #expect(error.message.contains("header CRC mismatch: expected 0x"))
    }

    @Test("a flipped data byte fails the file CRC", arguments: [20, 100, valid.count - 3, valid.count - 1])
    func badFileCRC(index: Int) throws {
        var bytes = Self.valid
        bytes[index] ^= 0x40
        let error = try #require(FITSample.error(bytes))
        #expect(error.code == .checksum)
        #expect(error.message.contains("FIT file CRC mismatch: expected 0x"))
        #expect(error.message.contains(", computed 0x"))
    }

    @Test("a data message of an undefined local type is corrupt")
    func undefinedLocalMessage() throws {
        let bytes = FITSample.file { encoder in encoder.appendRaw([0x05, 1, 2, 3]) }
        let error = try #require(FITSample.error(bytes))
        #expect(error.code == .corrupt)
        #expect(error.message.contains("local message type 5"))
    }

    @Test("a compressed timestamp with no timestamp before it is corrupt")
    func compressedWithoutBase() {
        let bytes = FITSample.file { encoder in
            encoder.define(localType: 0, globalMessage: 20, fields: [.init(number: 3, type: .uint8)])
            encoder.write(localType: 0, [120], timeOffset: 3)
        }
        #expect(FITSample.errorCode(bytes) == .corrupt)
    }

    @Test("a message running past the data is corrupt")
    func messageOverrun() {
        let bytes = FITSample.file { encoder in
            encoder.define(localType: 0, globalMessage: 20, fields: [.init(number: 253, type: .uint32)])
            encoder.appendRaw([0x00, 1, 2])
        }
        #expect(FITSample.errorCode(bytes) == .corrupt)
    }

    @Test("a definition with an unknown architecture is corrupt")
    func badArchitecture() {
        let bytes = FITSample.file { encoder in encoder.appendRaw([0x40, 0, 7, 20, 0, 0]) }
        #expect(FITSample.errorCode(bytes) == .corrupt)
    }

    @Test("a FIT file that is not an activity is unsupported", arguments: [1, 2, 5, 6] as [UInt16])
    func notAnActivity(fileType: UInt16) throws {
        let bytes = FITSample.file(fileType: fileType) { encoder in
            encoder.define(localType: 0, globalMessage: 20, fields: [.init(number: 253, type: .uint32)])
            encoder.write(localType: 0, [1_000_000_000])
        }
        let error = try #require(FITSample.error(bytes))
        #expect(error.code == .unsupported)
        #expect(error.message.contains("(\(fileType))"))
    }
}
