import Persistence

/// The Activities schema. Points are stored packed, up to `PointChunk.capacity` per row of
/// `activity_point_chunks`, in `PointChunk`'s binary columnar encoding, which keeps every value's
/// exact bits on both engines. In PostgreSQL the chunks live in a table range-partitioned by month on
/// `start_time` (partitions are created ahead of time and on demand, see `PointPartitions`), and each
/// route is a PostGIS LineString with a spatial index; SQLite keeps a bounding box instead.
public enum ActivitiesMigrations {
    public static let all: [Migration] = [
        Migration(
            module: "activities", version: 1, name: "activities, point chunks, privacy zones",
            sqlite: [
                activities(uuid: "TEXT", timestamp: "REAL", real: "REAL", route: ""),
                """
                CREATE TABLE activity_point_chunks (
                    activity_id TEXT NOT NULL, chunk_index INTEGER NOT NULL, start_time REAL NOT NULL,
                    end_time REAL NOT NULL, point_count INTEGER NOT NULL, data BLOB NOT NULL,
                    PRIMARY KEY (activity_id, chunk_index)) WITHOUT ROWID
                """,
                privacyZones(uuid: "TEXT", timestamp: "REAL", real: "REAL"),
            ] + indexes,
            postgres: [
                activities(
                    uuid: "UUID", timestamp: "TIMESTAMPTZ", real: "DOUBLE PRECISION",
                    route: ", route geometry(LineString, 4326)"),
                // A partitioned table's primary key must contain the partition key, hence `start_time`;
                // (activity_id, chunk_index) alone is still unique, as the store writes it. TOAST
                // compresses chunks with lz4 (built into Debian's and the official PostgreSQL 14+
                // packages): as fast to insert as no compression and ~40% smaller; pglz, the default,
                // measured ~100 ms slower per 50,000 points.
                """
                CREATE TABLE activity_point_chunks (
                    activity_id UUID NOT NULL, chunk_index INTEGER NOT NULL, start_time TIMESTAMPTZ NOT NULL,
                    end_time TIMESTAMPTZ NOT NULL, point_count INTEGER NOT NULL, data BYTEA COMPRESSION lz4 NOT NULL,
                    PRIMARY KEY (activity_id, chunk_index, start_time)) PARTITION BY RANGE (start_time)
                """,
                privacyZones(uuid: "UUID", timestamp: "TIMESTAMPTZ", real: "DOUBLE PRECISION"),
                "CREATE INDEX activities_route ON activities USING GIST (route)",
            ] + indexes),
        // A route holds 16 bytes per positioned point, about 800 kB for 50,000 points, which TOAST
        // tries to compress (and barely can). Inserting such a route measured ~21 ms with pglz, the
        // default, and ~7 ms with lz4, as fast as storing it uncompressed.
        Migration(
            module: "activities", version: 2, name: "routes compressed with lz4", sqlite: [],
            postgres: ["ALTER TABLE activities ALTER COLUMN route SET COMPRESSION lz4"]),
    ]

    static let indexes = [
        "CREATE INDEX activities_user_start ON activities (user_id, start_time DESC, id DESC)",
        "CREATE UNIQUE INDEX activities_user_external ON activities (user_id, external_id) WHERE external_id IS NOT NULL",
        "CREATE UNIQUE INDEX activities_user_file ON activities (user_id, file_hash) WHERE file_hash IS NOT NULL",
        "CREATE INDEX privacy_zones_user ON privacy_zones (user_id)",
    ]

    static func activities(uuid: String, timestamp: String, real: String, route: String) -> String {
        """
        CREATE TABLE activities (
            id \(uuid) PRIMARY KEY, user_id \(uuid) NOT NULL, sport TEXT NOT NULL, sub_sport TEXT, name TEXT NOT NULL,
            description TEXT, start_time \(timestamp) NOT NULL, end_time \(timestamp) NOT NULL, time_zone TEXT NOT NULL,
            visibility TEXT NOT NULL, duration \(real) NOT NULL, moving_time \(real) NOT NULL, distance \(real) NOT NULL,
            calories \(real), elevation_gain \(real), elevation_loss \(real), average_speed \(real), max_speed \(real),
            average_heart_rate \(real), max_heart_rate \(real), average_cadence \(real), max_cadence \(real),
            average_power \(real), max_power \(real), normalized_power \(real),
            source_format TEXT NOT NULL, manufacturer TEXT, product TEXT, file_hash TEXT, file_name TEXT,
            external_id TEXT, point_count INTEGER NOT NULL, min_latitude \(real), min_longitude \(real),
            max_latitude \(real), max_longitude \(real), metrics TEXT NOT NULL, metric_set_version INTEGER NOT NULL,
            created_at \(timestamp) NOT NULL, updated_at \(timestamp) NOT NULL\(route))
        """
    }

    static func privacyZones(uuid: String, timestamp: String, real: String) -> String {
        """
        CREATE TABLE privacy_zones (
            id \(uuid) PRIMARY KEY, user_id \(uuid) NOT NULL, latitude \(real) NOT NULL, longitude \(real) NOT NULL,
            radius \(real) NOT NULL, created_at \(timestamp) NOT NULL)
        """
    }
}
