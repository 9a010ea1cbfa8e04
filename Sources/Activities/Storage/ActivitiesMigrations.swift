import Persistence

/// The Activities schema. Point values are 8-byte floats on both engines, so that streams and
/// exports are the same numbers whichever database stores them. In PostgreSQL the points live in a
/// table range-partitioned by month on `time` (partitions are created ahead of time and on demand,
/// see `PointPartitions`), and each route is a PostGIS LineString with a spatial index; SQLite
/// keeps a bounding box instead.
public enum ActivitiesMigrations {
    public static let all: [Migration] = [
        Migration(
            module: "activities", version: 1, name: "activities, points, privacy zones",
            sqlite: [
                activities(uuid: "TEXT", timestamp: "REAL", real: "REAL", route: ""),
                """
                CREATE TABLE activity_points (
                    activity_id TEXT NOT NULL, time REAL NOT NULL, latitude REAL, longitude REAL, altitude REAL,
                    distance REAL, speed REAL, heart_rate REAL, cadence REAL, power REAL, temperature REAL,
                    PRIMARY KEY (activity_id, time)) WITHOUT ROWID
                """,
                privacyZones(uuid: "TEXT", timestamp: "REAL", real: "REAL"),
            ] + indexes,
            postgres: [
                activities(
                    uuid: "UUID", timestamp: "TIMESTAMPTZ", real: "DOUBLE PRECISION",
                    route: ", route geometry(LineString, 4326)"),
                """
                CREATE TABLE activity_points (
                    activity_id UUID NOT NULL, time TIMESTAMPTZ NOT NULL, latitude DOUBLE PRECISION,
                    longitude DOUBLE PRECISION, altitude DOUBLE PRECISION, distance DOUBLE PRECISION,
                    speed DOUBLE PRECISION, heart_rate DOUBLE PRECISION, cadence DOUBLE PRECISION,
                    power DOUBLE PRECISION, temperature DOUBLE PRECISION,
                    PRIMARY KEY (activity_id, time)) PARTITION BY RANGE (time)
                """,
                privacyZones(uuid: "UUID", timestamp: "TIMESTAMPTZ", real: "DOUBLE PRECISION"),
                "CREATE INDEX activities_route ON activities USING GIST (route)",
            ] + indexes)
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
