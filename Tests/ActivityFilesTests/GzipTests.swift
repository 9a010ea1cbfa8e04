import ActivityFiles
import Foundation
import Testing

@Suite("gzip")
struct GzipTests {
    @Test(
        "a gzip file decompresses to the original bytes, single or multi-member",
        arguments: ["gpx/strava-ride-power.gpx.gz", "gpx/strava-ride-power.multimember.gpx.gz"])
    func decompress(path: String) throws {
        let compressed = try XMLFixtures.bytes(path)
        #expect(Gzip.isGzip(compressed))
        let original = try XMLFixtures.bytes("gpx/strava-ride-power.gpx")
        #expect(try Gzip.decompress(compressed, limit: 10 << 20) == original)
        let track = try GPXDecoder().decode(Gzip.decompress(compressed, limit: 10 << 20))
        #expect(track.points.count == 600)
    }

    @Test("bytes after the last member are ignored, as gzip -d does")
    func trailingBytes() throws {
        let compressed = try XMLFixtures.bytes("gpx/strava-ride-power.gpx.gz")
        let padded = compressed + [0, 0, 0, 0]
        #expect(try Gzip.decompress(padded, limit: 10 << 20).count == 209_596)
    }

    @Test("output beyond the limit is refused as too large, before it is all inflated")
    func limit() throws {
        let compressed = try XMLFixtures.bytes("gpx/strava-ride-power.gpx.gz")
        do {
            _ = try Gzip.decompress(compressed, limit: 100_000)
            Issue.record("no error")
        } catch {
            #expect(error.code == .tooLarge)
            #expect(error.message.contains("100000 bytes"), "\(error.message)")
        }
    }

    @Test("a gzip file cut short is truncated", arguments: [11, 100, 5000, 12_020])
    func truncated(length: Int) throws {
        let compressed = try XMLFixtures.bytes("gpx/strava-ride-power.gpx.gz")
        #expect(
            throws: ActivityFileError(.truncated, "gzip: the file ends inside the compressed data; it looks cut off")
        ) {
            try Gzip.decompress(Array(compressed[..<length]), limit: 10 << 20)
        }
    }

    @Test("a damaged CRC is a checksum error, damaged deflate data is corrupt")
    func damaged() throws {
        let compressed = try XMLFixtures.bytes("gpx/strava-ride-power.gpx.gz")
        var badCRC = compressed
        badCRC[badCRC.count - 6] ^= 0xFF
        var badData = compressed
        for index in 20..<60 { badData[index] = 0xFF }
        do {
            _ = try Gzip.decompress(badCRC, limit: 10 << 20)
            Issue.record("no error")
        } catch {
            #expect(error.code == .checksum, "\(error)")
        }
        do {
            _ = try Gzip.decompress(badData, limit: 10 << 20)
            Issue.record("no error")
        } catch {
            #expect(error.code == .corrupt, "\(error)")
        }
    }

    @Test(
        "bytes that are not gzip are recognised as such",
        arguments: [[], [0x1F], Array("<gpx/>".utf8), [0x1F, 0x8B, 0x07]])
    func notGzip(bytes: [UInt8]) {
        #expect(!Gzip.isGzip(bytes))
        #expect(throws: ActivityFileError.self) { try Gzip.decompress(bytes, limit: 1000) }
    }

    @Test("a decoder given gzip bytes says they must be decompressed first")
    func compressedInput() throws {
        let compressed = try XMLFixtures.bytes("gpx/strava-ride-power.gpx.gz")
        #expect(
            throws: ActivityFileError(.wrongFormat, "GPX: the file is gzip-compressed; it must be decompressed first")
        ) {
            try GPXDecoder().decode(compressed)
        }
    }
}
