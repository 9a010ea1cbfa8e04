import ActivityFiles
import Foundation
import Geo
import Persistence

/// `ActivityStore` in SQL both dialects accept. Points are stored packed in chunks (see `PointChunk`);
/// PostgreSQL additionally stores the route as a PostGIS LineString.
public struct SQLActivityStore: ActivityStore {
    public init() {}

    static let columns = [
        "id", "user_id", "sport", "sub_sport", "name", "description", "start_time", "end_time", "time_zone",
        "visibility",
        "duration", "moving_time", "distance", "calories", "elevation_gain", "elevation_loss", "average_speed",
        "max_speed", "average_heart_rate", "max_heart_rate", "average_cadence", "max_cadence", "average_power",
        "max_power", "normalized_power", "source_format", "manufacturer", "product", "file_hash", "file_name",
        "external_id", "point_count", "min_latitude", "min_longitude", "max_latitude", "max_longitude", "metrics",
        "metric_set_version", "created_at", "updated_at",
    ]
    static let columnList = columns.joined(separator: ", ")
    /// The columns of `activity_point_chunks`, in the order inserts write them.
    static let chunkColumns = ["activity_id", "chunk_index", "start_time", "end_time", "point_count", "data"]
    /// Chunk rows per INSERT statement: 6 binds each stays far below both engines' bind limits.
    static let chunksPerStatement = 500

    /// Packs the points in chunks of `PointChunk.capacity` and, on PostgreSQL, builds the route (see
    /// `routeWKB(_:)`).
    public func encode(_ points: [TrackPoint], for dialect: SQLDialect) -> EncodedPoints {
        let chunks = stride(from: 0, to: points.count, by: PointChunk.capacity).map { start in
            let chunk = points[start..<min(points.count, start + PointChunk.capacity)]
            return EncodedPoints.Chunk(
                startTime: chunk.first!.time, endTime: chunk.last!.time, count: chunk.count,
                data: PointChunk.encode(chunk))
        }
        return EncodedPoints(chunks: chunks, routeWKB: dialect == .postgres ? Self.routeWKB(points) : nil)
    }

    /// Inserts the activity and its chunks. On PostgreSQL in one prepared statement (`InsertActivity`)
    /// whatever the number of chunks: parsed and planned once per connection, and able to carry an
    /// outbox append (`Outbox.append(_:in:along:)`) as a prepared statement too. On SQLite, whose
    /// statements cost no round trip, the activity row and then the chunks, `chunksPerStatement` per
    /// statement.
    public func insert(_ activity: Activity, points: EncodedPoints, in session: any DatabaseSession) async throws {
        guard session.dialect == .sqlite else {
            let binds = Self.binds(activity) + [points.routeWKB.map(SQLValue.blob) ?? .null] + Self.chunkArrays(points)
            try await session.query(InsertActivity.self, binds)
            return
        }
        let placeholders = (1...Self.columns.count).map { "$\($0)" }.joined(separator: ", ")
        try await session.query(
            "INSERT INTO activities (\(Self.columnList)) VALUES (\(placeholders))", Self.binds(activity))
        let id = SQLValue.uuid(activity.id)
        for statementStart in stride(from: 0, to: points.chunks.count, by: Self.chunksPerStatement) {
            let statementChunks = points.chunks[
                statementStart..<min(points.chunks.count, statementStart + Self.chunksPerStatement)]
            var binds: [SQLValue] = []
            binds.reserveCapacity(statementChunks.count * Self.chunkColumns.count)
            var rows: [String] = []
            for (offset, chunk) in statementChunks.enumerated() {
                binds += [
                    id, .int(statementStart + offset), .date(chunk.startTime), .date(chunk.endTime), .int(chunk.count),
                    .blob(chunk.data),
                ]
                let first = binds.count - Self.chunkColumns.count + 1
                rows.append("(" + (first...binds.count).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            try await session.query(
                """
                INSERT INTO activity_point_chunks (\(Self.chunkColumns.joined(separator: ", ")))
                VALUES \(rows.joined(separator: ", "))
                """, binds)
        }
    }

    /// The chunks as `InsertActivity`'s last binds: start and end times (microseconds since 1970)
    /// and point counts as array literals, and every chunk's data in one blob with the 1-based
    /// offset and length of each as array literals.
    static func chunkArrays(_ points: EncodedPoints) -> [SQLValue] {
        func literal(_ values: some Sequence<Int64>) -> SQLValue {
            .text("{" + values.map(String.init).joined(separator: ",") + "}")
        }
        func microseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
        var data: [UInt8] = []
        data.reserveCapacity(points.chunks.reduce(0) { $0 + $1.data.count })
        var offsets: [Int64] = []
        for chunk in points.chunks {
            offsets.append(Int64(data.count + 1))
            data += chunk.data
        }
        return [
            literal(points.chunks.map { microseconds($0.startTime) }),
            literal(points.chunks.map { microseconds($0.endTime) }), literal(points.chunks.map { Int64($0.count) }),
            literal(offsets), literal(points.chunks.map { Int64($0.data.count) }), .blob(data),
        ]
    }

    /// An activity row (`binds`, its route as WKB) and its chunks (`chunkArrays`) on PostgreSQL, in one
    /// statement: the row as a data-modifying CTE, the chunks unnested from arrays. Every placeholder
    /// is cast to the type its value is sent as (see `PreparedStatement`).
    enum InsertActivity: PreparedStatement {
        static let name = "stamina_insert_activity"

        /// The PostgreSQL types of `binds(_:)`, in order.
        static let types =
            ["uuid", "uuid", "text", "text", "text", "text", "timestamptz", "timestamptz", "text", "text"]
            + Array(repeating: "float8", count: 15) + Array(repeating: "text", count: 6) + ["bigint"]
            + Array(repeating: "float8", count: 4) + ["text", "bigint", "timestamptz", "timestamptz"]

        static func sql(_ dialect: SQLDialect) -> String { postgres }

        /// Built once: the outbox asks for it on every carried insert (`Outbox.append(_:in:along:)`).
        static let postgres = {
            let values = types.enumerated().map { SQLDialect.postgres.parameter($0 + 1, $1) }.joined(separator: ", ")
            let route = types.count + 1
            let microsecond = "* INTERVAL '1 microsecond'"
            return """
                WITH activity AS (
                    INSERT INTO activities (\(columnList), route)
                    VALUES (\(values), ST_GeomFromWKB($\(route)::bytea, 4326)))
                INSERT INTO activity_point_chunks (\(chunkColumns.joined(separator: ", ")))
                SELECT $1::uuid, c.i - 1, TIMESTAMPTZ 'epoch' + c.s \(microsecond),
                    TIMESTAMPTZ 'epoch' + c.e \(microsecond), c.n, substring($\(route + 6)::bytea FROM c.o FOR c.l)
                FROM unnest($\(route + 1)::text::bigint[], $\(route + 2)::text::bigint[], $\(route + 3)::text::int[],
                    $\(route + 4)::text::int[], $\(route + 5)::text::int[]) WITH ORDINALITY AS c (s, e, n, o, l, i)
                """
        }()
    }

    /// The route as a little-endian WKB LineString of the positioned points (longitude, latitude),
    /// for `ST_GeomFromWKB(…, 4326)`, simplified (Douglas–Peucker) to `routeTolerance`; nil when
    /// fewer than two points have a position.
    ///
    /// The geometry serves spatial queries and their index, where a metre is below what consumer
    /// GPS can tell apart; the points themselves stay exact in the chunks. A 1 Hz run of 10,000
    /// points keeps about a fifth of them, which spares PostgreSQL parsing and TOAST-compressing a
    /// 160 kB route in the upload's transaction.
    public static func routeWKB(_ points: [TrackPoint]) -> [UInt8]? {
        let coordinates = points.compactMap { point in
            point.latitude.flatMap { latitude in
                point.longitude.map { Coordinate(latitude: latitude, longitude: $0) }
            }
        }
        guard coordinates.count >= 2 else { return nil }
        let kept = DouglasPeucker.simplify(coordinates, tolerance: routeTolerance)
        var bytes: [UInt8] = [1]  // little-endian
        bytes.reserveCapacity(9 + kept.count * 16)
        withUnsafeBytes(of: UInt32(2).littleEndian) { bytes += $0 }  // wkbLineString
        withUnsafeBytes(of: UInt32(kept.count).littleEndian) { bytes += $0 }
        for index in kept {
            withUnsafeBytes(of: coordinates[index].longitude.bitPattern.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: coordinates[index].latitude.bitPattern.littleEndian) { bytes += $0 }
        }
        return bytes
    }

    /// Metres a stored route may stray from the track.
    public static let routeTolerance = 1.0

    public func activity(id: UUID, in session: any DatabaseSession) async throws -> Activity? {
        try await session.first("SELECT \(Self.columnList) FROM activities WHERE id = $1", [.uuid(id)]).map(
            Self.activity)
    }

    public func existing(userID: UUID, fileHash: String?, externalID: String?, in session: any DatabaseSession)
        async throws -> Activity?
    {
        guard fileHash != nil || externalID != nil else { return nil }
        return try await session.first(
            """
            SELECT \(Self.columnList) FROM activities
            WHERE user_id = $1 AND (file_hash = $2 OR external_id = $3) ORDER BY created_at LIMIT 1
            """, [.uuid(userID), .optional(fileHash, SQLValue.text), .optional(externalID, SQLValue.text)]
        ).map(Self.activity)
    }

    public func activities(_ query: ActivityQuery, in session: any DatabaseSession) async throws -> [Activity] {
        var conditions = ["user_id = $1"]
        var binds: [SQLValue] = [.uuid(query.userID)]
        func bind(_ value: SQLValue) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        let visibilities = ActivityVisibility.allCases.filter(query.visibilities.contains)
        conditions.append("visibility IN (\(visibilities.map { bind(.text($0.rawValue)) }.joined(separator: ", ")))")
        if let sport = query.sport { conditions.append("sport = \(bind(.text(sport)))") }
        if let after = query.after { conditions.append("start_time >= \(bind(.date(after)))") }
        if let before = query.before { conditions.append("start_time < \(bind(.date(before)))") }
        if let cursor = query.cursor {
            let time = bind(.date(cursor.startTime))
            conditions.append("(start_time < \(time) OR (start_time = \(time) AND id < \(bind(.uuid(cursor.id)))))")
        }
        return try await session.query(
            """
            SELECT \(Self.columnList) FROM activities WHERE \(conditions.joined(separator: " AND "))
            ORDER BY start_time DESC, id DESC LIMIT \(bind(.int(query.limit)))
            """, binds
        ).map(Self.activity)
    }

    public func update(_ activity: Activity, in session: any DatabaseSession) async throws {
        let assignments = Self.columns.enumerated().dropFirst().map { "\($1) = $\($0 + 1)" }.joined(separator: ", ")
        try await session.query("UPDATE activities SET \(assignments) WHERE id = $1", Self.binds(activity))
    }

    public func delete(_ activity: Activity, in session: any DatabaseSession) async throws -> Int {
        try await session.query("DELETE FROM activity_point_chunks WHERE activity_id = $1", [.uuid(activity.id)])
        try await session.query("DELETE FROM activities WHERE id = $1", [.uuid(activity.id)])
        guard let hash = activity.source.fileHash else { return 0 }
        return try await session.first("SELECT count(*) AS n FROM activities WHERE file_hash = $1", [.text(hash)])?
            .int("n") ?? 0
    }

    /// Reads only the chunks that can overlap `[from, to)` and filters their points exactly. The
    /// chunk bounds in the WHERE clause are widened by a millisecond because the engines store
    /// timestamps rounded (PostgreSQL to microseconds), while the points keep their exact times.
    public func points(activityID: UUID, from: Date?, to: Date?, in session: any DatabaseSession) async throws
        -> [TrackPoint]
    {
        var sql = "SELECT point_count, data FROM activity_point_chunks WHERE activity_id = $1"
        var binds: [SQLValue] = [.uuid(activityID)]
        if let from {
            binds.append(.date(from.addingTimeInterval(-0.001)))
            sql += " AND end_time >= $\(binds.count)"
        }
        if let to {
            binds.append(.date(to.addingTimeInterval(0.001)))
            sql += " AND start_time < $\(binds.count)"
        }
        let rows = try await session.query(sql + " ORDER BY chunk_index", binds)
        var points: [TrackPoint] = []
        points.reserveCapacity(rows.reduce(0) { $0 + max(0, $1.optionalInt("point_count") ?? 0) })
        for row in rows {
            guard case .blob(let data) = row["data"] else {
                throw DatabaseError(code: .decoding, message: "A chunk of activity points has no data.")
            }
            let chunk = try PointChunk.decode(data)
            if from == nil && to == nil {
                points += chunk
            } else {
                points += chunk.lazy.filter { point in
                    (from.map { point.time >= $0 } ?? true) && (to.map { point.time < $0 } ?? true)
                }
            }
        }
        return points
    }

    // MARK: Privacy zones

    public func insert(_ zone: PrivacyZone, in session: any DatabaseSession) async throws {
        try await session.query(
            "INSERT INTO privacy_zones (id, user_id, latitude, longitude, radius, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            [
                .uuid(zone.id), .uuid(zone.userID), .real(zone.latitude), .real(zone.longitude), .real(zone.radius),
                .date(zone.createdAt),
            ])
    }

    public func privacyZones(userID: UUID, in session: any DatabaseSession) async throws -> [PrivacyZone] {
        try await session.query(PrivacyZonesOfUser.self, [.uuid(userID)])
            .map { row in
                PrivacyZone(
                    id: try row.uuid("id"), userID: try row.uuid("user_id"),
                    latitude: row.optionalDouble("latitude") ?? 0,
                    longitude: row.optionalDouble("longitude") ?? 0, radius: row.optionalDouble("radius") ?? 0,
                    createdAt: try row.date("created_at"))
            }
    }

    /// A user's privacy zones: read for every live session's start and spectator, so prepared.
    enum PrivacyZonesOfUser: PreparedStatement {
        static let name = "stamina_privacy_zones_of_user"

        static func sql(_ dialect: SQLDialect) -> String {
            """
            SELECT id, user_id, latitude, longitude, radius, created_at FROM privacy_zones
            WHERE user_id = \(dialect.parameter(1, "uuid")) ORDER BY created_at, id
            """
        }
    }

    public func deletePrivacyZone(id: UUID, userID: UUID, in session: any DatabaseSession) async throws -> Bool {
        !(try await session.query(
            "DELETE FROM privacy_zones WHERE id = $1 AND user_id = $2 RETURNING id", [.uuid(id), .uuid(userID)]
        ).isEmpty)
    }

    // MARK: Rows

    static func binds(_ activity: Activity) -> [SQLValue] {
        let summary = activity.summary
        let real = { (value: Double?) in SQLValue.optional(value, SQLValue.real) }
        let text = { (value: String?) in SQLValue.optional(value, SQLValue.text) }
        return [
            .uuid(activity.id), .uuid(activity.userID), .text(activity.sport), text(activity.subSport),
            .text(activity.name), text(activity.description), .date(activity.startTime), .date(activity.endTime),
            .text(activity.timeZone), .text(activity.visibility.rawValue), .real(summary.duration),
            .real(summary.movingTime),
            .real(summary.distance), real(summary.calories), real(summary.elevationGain), real(summary.elevationLoss),
            real(summary.averageSpeed), real(summary.maxSpeed), real(summary.averageHeartRate),
            real(summary.maxHeartRate), real(summary.averageCadence), real(summary.maxCadence),
            real(summary.averagePower), real(summary.maxPower), real(summary.normalizedPower),
            .text(activity.source.format), text(activity.source.manufacturer), text(activity.source.product),
            text(activity.source.fileHash), text(activity.source.fileName), text(activity.externalID),
            .int(activity.pointCount), real(activity.bounds?.minLatitude), real(activity.bounds?.minLongitude),
            real(activity.bounds?.maxLatitude), real(activity.bounds?.maxLongitude), .text(activity.metricsJSON),
            .int(activity.metricSetVersion), .date(activity.createdAt), .date(activity.updatedAt),
        ]
    }

    static func activity(_ row: SQLRow) throws -> Activity {
        var summary = ActivitySummary(
            duration: row.optionalDouble("duration") ?? 0, movingTime: row.optionalDouble("moving_time") ?? 0,
            distance: row.optionalDouble("distance") ?? 0)
        summary.calories = row.optionalDouble("calories")
        summary.elevationGain = row.optionalDouble("elevation_gain")
        summary.elevationLoss = row.optionalDouble("elevation_loss")
        summary.averageSpeed = row.optionalDouble("average_speed")
        summary.maxSpeed = row.optionalDouble("max_speed")
        summary.averageHeartRate = row.optionalDouble("average_heart_rate")
        summary.maxHeartRate = row.optionalDouble("max_heart_rate")
        summary.averageCadence = row.optionalDouble("average_cadence")
        summary.maxCadence = row.optionalDouble("max_cadence")
        summary.averagePower = row.optionalDouble("average_power")
        summary.maxPower = row.optionalDouble("max_power")
        summary.normalizedPower = row.optionalDouble("normalized_power")
        var source = ActivitySource(format: try row.string("source_format"))
        source.manufacturer = row.optionalString("manufacturer")
        source.product = row.optionalString("product")
        source.fileHash = row.optionalString("file_hash")
        source.fileName = row.optionalString("file_name")
        var bounds: BoundingBox?
        if let minLatitude = row.optionalDouble("min_latitude"), let minLongitude = row.optionalDouble("min_longitude"),
            let maxLatitude = row.optionalDouble("max_latitude"), let maxLongitude = row.optionalDouble("max_longitude")
        {
            bounds = BoundingBox(
                minLatitude: minLatitude, minLongitude: minLongitude, maxLatitude: maxLatitude,
                maxLongitude: maxLongitude)
        }
        return Activity(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), sport: try row.string("sport"),
            subSport: row.optionalString("sub_sport"), name: try row.string("name"),
            description: row.optionalString("description"), startTime: try row.date("start_time"),
            endTime: try row.date("end_time"), timeZone: try row.string("time_zone"),
            visibility: ActivityVisibility(rawValue: try row.string("visibility")) ?? .private, summary: summary,
            source: source, externalID: row.optionalString("external_id"), pointCount: try row.int("point_count"),
            bounds: bounds, metricsJSON: try row.string("metrics"), metricSetVersion: try row.int("metric_set_version"),
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
