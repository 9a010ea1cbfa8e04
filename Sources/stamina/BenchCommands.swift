import Activities
import ActivityFiles
import App
import ArgumentParser
import Foundation
import Logging
import Persistence

/// Micro-benchmarks that need the release binary's code paths; `scripts/bench` runs them next to
/// their baselines (reference decoders, `psql \copy`) and reports ratios.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure decoders and the point ingest path (used by scripts/bench).",
        subcommands: [BenchDecode.self, BenchIngest.self])
}

/// Decodes each file repeatedly and prints the median time and records per second as JSON lines.
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
            var times: [Double] = []
            var records = 0
            let clock = ContinuousClock()
            for _ in 0..<runs {
                var track: Track?
                let elapsed = try clock.measure {
                    track = try ActivityFile.decode(bytes, format: format, gzipped: gzipped, maxInflatedSize: 1 << 30)
                }
                records = track?.points.count ?? 0
                times.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
            }
            let median = times.sorted()[times.count / 2]
            print(
                #"{"file":"\#(path)","records":\#(records),"medianSeconds":\#(median),"recordsPerSecond":\#(Double(records) / median)}"#
            )
        }
    }
}

/// Bulk-loads synthetic 1 Hz points into `activity_points` through the same path uploads use
/// (`DatabaseSession.bulkInsert`, i.e. COPY on PostgreSQL), one transaction per activity.
struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest", abstract: "Time point ingest.")

    @Option(help: "Total points to write.")
    var points = 2_000_000

    @Option(help: "Points per activity (one transaction each).")
    var perActivity = 50_000

    @Option(help: "Write the same rows as CSV here (for the psql \\copy baseline) and exit.")
    var csv: String?

    func rows(activity: Int, start: Date) -> [[SQLValue]] {
        let id = SQLValue.uuid(UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", activity))!)
        return (0..<perActivity).map { second in
            let lat = 47.0 + Double(second) * 0.00001
            return [
                id, .date(start.addingTimeInterval(Double(second))), .real(lat), .real(8.5), .real(400),
                .real(Double(second) * 3), .real(3), .real(140), .real(85), .null, .null,
            ]
        }
    }

    func run() async throws {
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let activities = max(1, points / perActivity)
        if let csv {
            _ = FileManager.default.createFile(atPath: csv, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: csv))
            for activity in 0..<activities {
                var text = ""
                for row in rows(activity: activity, start: start) {
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
        let elapsed = try await withRunning(database) {
            try await Migrations.prepare(database, logger: logger)
            try await PointPartitions.ensure(
                from: start, through: start.addingTimeInterval(Double(perActivity)), in: database)
            let batches = (0..<activities).map { rows(activity: $0, start: start) }
            return try await ContinuousClock().measure {
                for batch in batches {
                    try await database.transaction { session in
                        try await session.bulkInsert(
                            table: "activity_points", columns: SQLActivityStore.pointColumnNames, rows: batch)
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
