import Persistence

/// The Accounts schema, per dialect: UUIDs and timestamps are native in PostgreSQL, text and
/// Unix seconds in SQLite.
public enum AccountsMigrations {
    public static let all: [Migration] = [
        Migration(
            module: "accounts", version: 1, name: "users, credentials, tokens, goals",
            sqlite: tables(uuid: "TEXT", timestamp: "REAL", real: "REAL"),
            postgres: tables(uuid: "UUID", timestamp: "TIMESTAMPTZ", real: "DOUBLE PRECISION"))
    ]

    private static func tables(uuid: String, timestamp: String, real: String) -> [String] {
        [
            """
            CREATE TABLE users (
                id \(uuid) PRIMARY KEY, email TEXT UNIQUE, name TEXT NOT NULL, dob TEXT,
                height \(real), weight \(real), gender TEXT, unit_system TEXT NOT NULL, time_zone TEXT NOT NULL,
                default_visibility TEXT NOT NULL, max_heart_rate INTEGER, resting_heart_rate INTEGER,
                threshold_heart_rate INTEGER, functional_threshold_power INTEGER, threshold_speed \(real),
                created_at \(timestamp) NOT NULL, updated_at \(timestamp) NOT NULL)
            """,
            """
            CREATE TABLE password_credentials (
                user_id \(uuid) PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE, password_hash TEXT NOT NULL)
            """,
            """
            CREATE TABLE refresh_tokens (
                token_hash TEXT PRIMARY KEY, family_id \(uuid) NOT NULL,
                user_id \(uuid) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                issued_at \(timestamp) NOT NULL, expires_at \(timestamp) NOT NULL,
                rotated_at \(timestamp), revoked_at \(timestamp))
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)",
            """
            CREATE TABLE external_identities (
                issuer TEXT NOT NULL, subject TEXT NOT NULL,
                user_id \(uuid) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                created_at \(timestamp) NOT NULL, PRIMARY KEY (issuer, subject))
            """,
            """
            CREATE TABLE goals (
                id \(uuid) PRIMARY KEY, user_id \(uuid) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                type TEXT NOT NULL, period TEXT NOT NULL, sport TEXT, target \(real) NOT NULL,
                start_date TEXT, end_date TEXT, name TEXT,
                created_at \(timestamp) NOT NULL, updated_at \(timestamp) NOT NULL)
            """,
            "CREATE INDEX goals_user ON goals (user_id, created_at)",
        ]
    }
}
