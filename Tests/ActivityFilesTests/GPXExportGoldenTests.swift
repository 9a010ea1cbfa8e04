import ActivityFiles
import Foundation
import Testing

/// The encoders' output is pinned in `Fixtures/*/stamina-export.*`, which gpxpy also reads
/// (`scripts/gpx-reference.py` writes its reference), so a change in output is seen in review.
/// Regenerate with `STAMINA_REGENERATE_FIXTURES=1 swift test --filter ExportGolden`.
@Suite("Export golden files")
struct GPXExportGoldenTests {
    static func sourceFixture(_ path: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(path)")
    }

    static func check(_ bytes: [UInt8], against path: String) throws {
        if ProcessInfo.processInfo.environment["STAMINA_REGENERATE_FIXTURES"] != nil {
            try Data(bytes).write(to: sourceFixture(path))
            return
        }
        let golden = try XMLFixtures.bytes(path)
        #expect(bytes == golden, "encoder output differs from \(path); regenerate if intended")
    }

    @Test("GPX export matches its golden file, which gpxpy reads")
    func gpx() throws {
        try Self.check(GPXEncoder().encode(GPXEncoderTests.sampleTrack(points: 60)), against: "gpx/stamina-export.gpx")
    }

    @Test("TCX export matches its golden file")
    func tcx() throws {
        try Self.check(
            TCXEncoder().encode(TCXEncoderTests.sampleTrack(sport: "cycling", indoor: false)),
            against: "tcx/stamina-export.tcx")
    }
}
