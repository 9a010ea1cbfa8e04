import Analytics
import Foundation
import Persistence

/// `AccountStore` in SQL that both dialects accept (positional binds, `ON CONFLICT`, `RETURNING`).
public struct SQLAccountStore: AccountStore {
    public init() {}

    static let userColumns = """
        id, email, name, dob, height, weight, gender, unit_system, time_zone, default_visibility,
        max_heart_rate, resting_heart_rate, threshold_heart_rate, functional_threshold_power, threshold_speed,
        created_at, updated_at
        """

    public func insert(_ user: User, passwordHash: String?, in session: any DatabaseSession) async throws {
        do {
            try await session.query(
                "INSERT INTO users (\(Self.userColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
                Self.binds(user))
        } catch {
            throw Self.emailTaken(error)
        }
        if let passwordHash {
            try await session.query(
                "INSERT INTO password_credentials (user_id, password_hash) VALUES ($1, $2)",
                [.uuid(user.id), .text(passwordHash)])
        }
    }

    public func user(id: UUID, in session: any DatabaseSession) async throws -> User? {
        try await session.query(UserByID.self, [.uuid(id)]).first.map(Self.user)
    }

    /// A user by id: read for every live session's start and every profile read, so prepared.
    enum UserByID: PreparedStatement {
        static let name = "stamina_user_by_id"

        static func sql(_ dialect: SQLDialect) -> String {
            "SELECT \(userColumns) FROM users WHERE id = \(dialect.parameter(1, "uuid"))"
        }
    }

    public func user(email: String, in session: any DatabaseSession) async throws -> (
        user: User, passwordHash: String?
    )? {
        guard
            let row = try await session.first(
                """
                SELECT \(Self.userColumns), c.password_hash FROM users
                LEFT JOIN password_credentials c ON c.user_id = users.id WHERE users.email = $1
                """, [.text(email)])
        else { return nil }
        return (try Self.user(row), row.optionalString("password_hash"))
    }

    public func update(_ user: User, in session: any DatabaseSession) async throws {
        do {
            try await session.query(UpdateUser.self, Self.binds(user))
        } catch {
            throw Self.emailTaken(error)
        }
    }

    /// Writes every column of a user row (a profile update: the write behind `ProfileUpdated`).
    enum UpdateUser: PreparedStatement {
        static let name = "stamina_update_user"

        /// The PostgreSQL types of `binds(_:)`, in the order of `userColumns`: the heart rates and power
        /// are INTEGER columns, bound as bigint.
        static let types = [
            "uuid", "text", "text", "text", "float8", "float8", "text", "text", "text", "text", "bigint", "bigint",
            "bigint", "bigint", "float8", "timestamptz", "timestamptz",
        ]

        static func sql(_ dialect: SQLDialect) -> String {
            let columns = userColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let assignments = zip(columns, types).enumerated().dropFirst().map { index, column in
                "\(column.0) = \(dialect.parameter(index + 1, column.1))"
            }
            return
                "UPDATE users SET \(assignments.joined(separator: ", ")) WHERE id = \(dialect.parameter(1, types[0]))"
        }
    }

    /// A duplicate e-mail is the only unique violation a user row can cause.
    static func emailTaken(_ error: DatabaseError) -> any Error {
        error.code == .uniqueViolation
            ? AccountsError(.emailTaken, "An account with this e-mail already exists.") : error
    }

    static func binds(_ user: User) -> [SQLValue] {
        [
            .uuid(user.id), .optional(user.email, SQLValue.text), .text(user.name),
            .optional(user.dob, SQLValue.text), .optional(user.height, SQLValue.real),
            .optional(user.weight, SQLValue.real), .optional(user.gender?.rawValue, SQLValue.text),
            .text(user.unitSystem.rawValue), .text(user.timeZone), .text(user.defaultVisibility.rawValue),
            .optional(user.zones.maxHeartRate, SQLValue.int), .optional(user.zones.restingHeartRate, SQLValue.int),
            .optional(user.zones.thresholdHeartRate, SQLValue.int),
            .optional(user.zones.functionalThresholdPower, SQLValue.int),
            .optional(user.zones.thresholdSpeed, SQLValue.real), .date(user.createdAt), .date(user.updatedAt),
        ]
    }

    static func user(_ row: SQLRow) throws -> User {
        var user = User(
            id: try row.uuid("id"), email: row.optionalString("email"), name: try row.string("name"),
            createdAt: try row.date("created_at"))
        user.dob = row.optionalString("dob")
        user.height = row.optionalDouble("height")
        user.weight = row.optionalDouble("weight")
        user.gender = row.optionalString("gender").flatMap(Gender.init(rawValue:))
        user.unitSystem = UnitSystem(rawValue: try row.string("unit_system")) ?? .metric
        user.timeZone = try row.string("time_zone")
        user.defaultVisibility = Visibility(rawValue: try row.string("default_visibility")) ?? .followers
        user.zones.maxHeartRate = row.optionalInt("max_heart_rate")
        user.zones.restingHeartRate = row.optionalInt("resting_heart_rate")
        user.zones.thresholdHeartRate = row.optionalInt("threshold_heart_rate")
        user.zones.functionalThresholdPower = row.optionalInt("functional_threshold_power")
        user.zones.thresholdSpeed = row.optionalDouble("threshold_speed")
        user.updatedAt = try row.date("updated_at")
        return user
    }

    // MARK: Refresh tokens

    public func insert(_ token: RefreshTokenRecord, in session: any DatabaseSession) async throws {
        try await session.query(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            [
                .text(token.tokenHash), .uuid(token.familyID), .uuid(token.userID), .date(token.issuedAt),
                .date(token.expiresAt),
            ])
    }

    public func refreshToken(hash: String, in session: any DatabaseSession) async throws -> RefreshTokenRecord? {
        try await session.first("SELECT * FROM refresh_tokens WHERE token_hash = $1", [.text(hash)]).map(Self.token)
    }

    public func rotateRefreshToken(hash: String, now: Date, in session: any DatabaseSession) async throws
        -> RefreshTokenRecord?
    {
        try await session.first(
            """
            UPDATE refresh_tokens SET rotated_at = $2
            WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > $2
            RETURNING *
            """, [.text(hash), .date(now)]
        ).map(Self.token)
    }

    public func revokeRefreshTokenFamily(_ familyID: UUID, now: Date, in session: any DatabaseSession) async throws {
        try await session.query(
            "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
            [.uuid(familyID), .date(now)])
    }

    static func token(_ row: SQLRow) throws -> RefreshTokenRecord {
        var token = RefreshTokenRecord(
            tokenHash: try row.string("token_hash"), familyID: try row.uuid("family_id"),
            userID: try row.uuid("user_id"),
            issuedAt: try row.date("issued_at"), expiresAt: try row.date("expires_at"))
        token.rotatedAt = row.optionalDate("rotated_at")
        token.revokedAt = row.optionalDate("revoked_at")
        return token
    }

    // MARK: External identities

    public func userID(issuer: String, subject: String, in session: any DatabaseSession) async throws -> UUID? {
        try await session.first(
            "SELECT user_id FROM external_identities WHERE issuer = $1 AND subject = $2",
            [.text(issuer), .text(subject)]
        )?.uuid("user_id")
    }

    public func linkExternalIdentity(
        issuer: String, subject: String, userID: UUID, now: Date, in session: any DatabaseSession
    )
        async throws
    {
        try await session.query(
            "INSERT INTO external_identities (issuer, subject, user_id, created_at) VALUES ($1, $2, $3, $4)",
            [.text(issuer), .text(subject), .uuid(userID), .date(now)])
    }

    // MARK: Goals

    public func insert(_ goal: Goal, in session: any DatabaseSession) async throws {
        try await session.query(
            """
            INSERT INTO goals (id, user_id, type, period, sport, target, start_date, end_date, name, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """, Self.binds(goal))
    }

    public func goal(id: UUID, in session: any DatabaseSession) async throws -> Goal? {
        try await session.first("SELECT * FROM goals WHERE id = $1", [.uuid(id)]).map(Self.goal)
    }

    public func goals(userID: UUID, in session: any DatabaseSession) async throws -> [Goal] {
        try await session.query("SELECT * FROM goals WHERE user_id = $1 ORDER BY created_at, id", [.uuid(userID)]).map(
            Self.goal)
    }

    public func update(_ goal: Goal, in session: any DatabaseSession) async throws {
        try await session.query(
            """
            UPDATE goals SET user_id = $2, type = $3, period = $4, sport = $5, target = $6, start_date = $7,
                end_date = $8, name = $9, created_at = $10, updated_at = $11
            WHERE id = $1
            """, Self.binds(goal))
    }

    public func deleteGoal(id: UUID, in session: any DatabaseSession) async throws {
        try await session.query("DELETE FROM goals WHERE id = $1", [.uuid(id)])
    }

    static func binds(_ goal: Goal) -> [SQLValue] {
        [
            .uuid(goal.id), .uuid(goal.userID), .text(goal.type.rawValue), .text(goal.period.rawValue),
            .optional(goal.sport?.rawValue, SQLValue.text), .real(goal.target),
            .optional(goal.startDate, SQLValue.text),
            .optional(goal.endDate, SQLValue.text), .optional(goal.name, SQLValue.text), .date(goal.createdAt),
            .date(goal.updatedAt),
        ]
    }

    static func goal(_ row: SQLRow) throws -> Goal {
        guard let type = GoalType(rawValue: try row.string("type")),
            let period = GoalPeriod(rawValue: try row.string("period"))
        else { throw DatabaseError(code: .decoding, message: "goal \(row["id"]) has an unknown type or period") }
        return Goal(
            id: try row.uuid("id"), userID: try row.uuid("user_id"), type: type, period: period,
            sport: row.optionalString("sport").flatMap(Sport.init(rawValue:)),
            target: row.optionalDouble("target") ?? 0,
            startDate: row.optionalString("start_date"), endDate: row.optionalString("end_date"),
            name: row.optionalString("name"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }
}
