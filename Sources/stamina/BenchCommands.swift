import Activities
import ActivityFiles
import Analytics
import App
import ArgumentParser
import Foundation
import Logging
import Persistence

/// Micro-benchmarks that need the release binary's code paths; `scripts/bench` runs them next to
/// their baselines (reference decoders, `psql \copy`) and reports ratios.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure decoders, the point ingest path, the event log and live tracking (used by scripts/bench*).",
        subcommands: [BenchDecode.self, BenchIngest.self, BenchEvents.self, BenchLive.self])
}

/// Decodes each file repeatedly, computes its metrics and packs its points for the store as many
/// times, and prints the median times and records per second as JSON lines.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "Time the file decoders.")

    @Argument(help: "Activity files (.fit, .gpx, .tcx, optionally .gz).")
    var files: [String]

    @Option(help: "Runs per file; the median is reported.")
    var runs = 15

    func run() throws {
        for path in files {
            guard let data = FileManager.default.contents(atPath: path),
                let (format, gzipped) = ActivityFile.format(ofFileName: path)
            else { throw ValidationError("cannot read \(path) as an activity file") }
            let bytes = Array(data)
            var track = Track(format: format)
            let median = try Self.median(runs) {
                track = try ActivityFile.decode(bytes, format: format, gzipped: gzipped, maxInflatedSize: 1 << 30)
            }
            let metrics = Self.median(runs) { _ = ActivityMetrics.compute(track: track) }
            let packing = Self.median(runs) { _ = SQLActivityStore().encode(track.points, for: .sqlite) }
            let records = track.points.count
            print(
                #"{"file":"\#(path)","records":\#(records),"medianSeconds":\#(median),"recordsPerSecond":\#(Double(records) / median),"metricsMedianSeconds":\#(metrics),"packingMedianSeconds":\#(packing)}"#
            )
        }
    }
}

extension BenchDecode {
    /// The median of `runs` timings of `body`, in seconds.
    static func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let elapsed = try clock.measure(body)
            times.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
        }
        return times.sorted()[times.count / 2]
    }
}

/// Writes synthetic 1 Hz points through the store's upload path (`SQLActivityStore.insert`: one
/// activity row and its points packed in chunks), one transaction per activity. With `--csv` it
/// writes the same points as one CSV row per point instead, for the `psql \copy` baseline.
struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Time point ingest.")

    /// The row-per-point columns of the `--csv` output, in order.
    static let csvColumns = [
        "activity_id", "time", "latitude", "longitude", "altitude", "distance", "speed", "heart_rate", "cadence",
        "power", "temperature",
    ]

    @Option(help: "Total points to write.")
    var points = 2_000_000

    @Option(help: "Points per activity (one transaction each).")
    var perActivity = 50_000

    @Option(help: "Write the same points as CSV rows (columns: \(Self.csvColumns.joined(separator: ", "))) and exit.")
    var csv: String?

    func activityID(_ activity: Int) -> UUID {
        UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", activity))!
    }

    func track(start: Date) -> [TrackPoint] {
        (0..<perActivity).map { second in
            var point = TrackPoint(time: start.addingTimeInterval(Double(second)))
            point.latitude = 47.0 + Double(second) * 0.00001
            point.longitude = 8.5
            point.altitude = 400
            point.distance = Double(second) * 3
            point.speed = 3
            point.heartRate = 140
            point.cadence = 85
            return point
        }
    }

    func activity(_ activity: Int, start: Date) -> Activity {
        let duration = Double(perActivity - 1)
        return Activity(
            id: activityID(activity), userID: activityID(0), sport: "running", subSport: nil,
            name: "Bench \(activity)", description: nil, startTime: start, endTime: start.addingTimeInterval(duration),
            timeZone: "UTC", visibility: .private,
            summary: ActivitySummary(duration: duration, movingTime: duration, distance: duration * 3),
            source: ActivitySource(format: "manual"), externalID: nil, pointCount: perActivity, bounds: nil,
            metricsJSON: "{}", metricSetVersion: 1, createdAt: start, updatedAt: start)
    }

    func run() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let activities = max(1, points / perActivity)
        let track = track(start: start)
        if let csv {
            _ = FileManager.default.createFile(atPath: csv, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: csv))
            for activity in 0..<activities {
                let id = SQLValue.uuid(activityID(activity))
                var text = ""
                for point in track {
                    let row: [SQLValue] = [
                        id, .date(point.time), .optional(point.latitude, SQLValue.real),
                        .optional(point.longitude, SQLValue.real), .optional(point.altitude, SQLValue.real),
                        .optional(point.distance, SQLValue.real), .optional(point.speed, SQLValue.real),
                        .optional(point.heartRate, SQLValue.real), .optional(point.cadence, SQLValue.real),
                        .optional(point.power, SQLValue.real), .optional(point.temperature, SQLValue.real),
                    ]
                    text += row.map(\.csvField).joined(separator: ",") + "\n"
                }
                handle.write(Data(text.utf8))
            }
            try handle.close()
            return
        }
        let configuration = try AppConfiguration.fromEnvironment()
        let logger = Logger(label: "stamina.bench")
        let database = try await configuration.database.open(logger: logger)
        let store = SQLActivityStore()
        let elapsed = try await withRunning(database) {
            try await Migrations.prepare(database, logger: logger)
            try await PointPartitions.ensure(
                from: start, through: start.addingTimeInterval(Double(perActivity)), in: database)
            let batches = (0..<activities).map { self.activity($0, start: start) }
            return try await ContinuousClock().measure {
                for activity in batches {
                    try await database.transaction { session in
                        try await store.insert(activity, points: track, in: session)
                    }
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            #"{"rows":\#(activities * perActivity),"seconds":\#(seconds),"rowsPerSecond":\#(Double(activities * perActivity) / seconds)}"#
        )
    }
}

extension SQLValue {
    /// The value as a CSV field in the form PostgreSQL's `COPY … CSV` reads.
    fileprivate var csvField: String {
        switch self {
        case .null: ""
        case .uuid(let value): value.uuidString
        case .date(let value): value.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        case .real(let value): "\(value)"
        case .integer(let value): "\(value)"
        default: ""
        }
    }
}
