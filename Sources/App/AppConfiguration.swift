import Accounts
import Activities
import EventLog
import Foundation
import Kafka
import Live
import Logging
import Persistence
import RedisClient

/// Everything `stamina serve` can be told, read from `STAMINA_*` environment variables in one
/// place. The README's configuration table lists the same keys and defaults.
public struct AppConfiguration: Sendable {
    public var hostname = "127.0.0.1"
    public var port = 8080
    /// Where embedded data (SQLite file, generated keys) lives.
    public var dataDirectory = "./data"
    public var database: DatabaseConfiguration
    /// HS256 key for access tokens; generated into the data directory when not configured.
    public var jwtSecret: [UInt8]?
    public var accounts = AccountsConfiguration()
    /// Upload limits and where original files are kept (`<data dir>/files`).
    public var activities: ActivitiesConfiguration
    /// Largest accepted JSON request body, in bytes.
    public var maxBodySize = 1 << 20
    public var logLevel = Logger.Level.info
    /// Distributed event log: set when `STAMINA_KAFKA_BROKERS` is.
    public var kafka: KafkaEventLogConfiguration?
    /// What this process does (`stamina serve --roles`, `STAMINA_ROLES`): all roles by default.
    public var roles = ServerRole.all
    /// Redis for live fan-out across processes: set when `STAMINA_REDIS_URL` is.
    public var redis: RedisConfiguration?
    public var live = LiveConfiguration()

    public init(database: DatabaseConfiguration) {
        self.database = database
        self.activities = ActivitiesConfiguration(fileDirectory: "./data/files")
    }

    /// A configuration error names the variable and what is wrong with its value.
    public struct Error: Swift.Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads the configuration from `environment` (the process environment by default).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> AppConfiguration
    {
        let reader = EnvironmentReader(environment: environment)
        let dataDirectory = reader.string("STAMINA_DATA_DIR") ?? "./data"
        let database: DatabaseConfiguration
        if let url = reader.string("STAMINA_DATABASE_URL") {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                database = .postgres(url: url)
            } else if url.hasPrefix("sqlite://") {
                database = .sqlite(path: String(url.dropFirst("sqlite://".count)))
            } else {
                throw Error(description: "STAMINA_DATABASE_URL must start with postgres:// or sqlite://")
            }
        } else {
            database = .sqlite(path: dataDirectory + "/stamina.sqlite")
        }
        var configuration = AppConfiguration(database: database)
        configuration.dataDirectory = dataDirectory
        configuration.hostname = reader.string("STAMINA_HOSTNAME") ?? configuration.hostname
        configuration.port = try reader.integer("STAMINA_PORT", in: 0...65535) ?? configuration.port
        if let secret = reader.string("STAMINA_JWT_SECRET") {
            guard secret.utf8.count >= 32 else {
                throw Error(description: "STAMINA_JWT_SECRET must be at least 32 bytes long")
            }
            configuration.jwtSecret = Array(secret.utf8)
        }
        var accounts = AccountsConfiguration()
        accounts.accessTokenLifetime = TimeInterval(
            try reader.integer("STAMINA_JWT_ACCESS_TTL", in: 30...86_400) ?? Int(accounts.accessTokenLifetime))
        accounts.refreshTokenLifetime = TimeInterval(
            try reader.integer("STAMINA_JWT_REFRESH_TTL", in: 300...31_536_000) ?? Int(accounts.refreshTokenLifetime))
        accounts.bcryptCost = UInt8(try reader.integer("STAMINA_BCRYPT_COST", in: 4...16) ?? Int(accounts.bcryptCost))
        let window = TimeInterval(try reader.integer("STAMINA_LOGIN_WINDOW", in: 1...86_400) ?? 900)
        accounts.loginLimitPerAccount = .init(
            attempts: try reader.integer("STAMINA_LOGIN_ATTEMPTS_PER_ACCOUNT", in: 1...1_000_000) ?? 10, window: window)
        accounts.loginLimitPerAddress = .init(
            attempts: try reader.integer("STAMINA_LOGIN_ATTEMPTS_PER_ADDRESS", in: 1...1_000_000) ?? 50, window: window)
        if let issuer = reader.string("STAMINA_OIDC_ISSUER") {
            let oidc = OIDCConfiguration(
                issuer: issuer, jwksURL: reader.string("STAMINA_OIDC_JWKS_URL"),
                jwksFile: reader.string("STAMINA_OIDC_JWKS_FILE"), audience: reader.string("STAMINA_OIDC_AUDIENCE"))
            guard oidc.jwksURL != nil || oidc.jwksFile != nil else {
                throw Error(description: "STAMINA_OIDC_ISSUER needs STAMINA_OIDC_JWKS_URL or STAMINA_OIDC_JWKS_FILE")
            }
            accounts.oidc = oidc
        }
        configuration.accounts = accounts
        configuration.maxBodySize =
            try reader.integer("STAMINA_MAX_BODY_SIZE", in: 1024...1 << 30) ?? configuration.maxBodySize
        if let level = reader.string("STAMINA_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level) else {
                throw Error(
                    description: "STAMINA_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical"
                )
            }
            configuration.logLevel = parsed
        }
        if let brokers = reader.string("STAMINA_KAFKA_BROKERS") {
            var properties: [String: String] = [:]
            for pair in (reader.string("STAMINA_KAFKA_PROPERTIES") ?? "").split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw Error(description: "STAMINA_KAFKA_PROPERTIES must be key=value pairs separated by commas")
                }
                properties[parts[0]] = parts[1]
            }
            var kafka = KafkaEventLogConfiguration(
                kafka: KafkaConfiguration(
                    bootstrapServers: brokers, clientID: reader.string("STAMINA_KAFKA_CLIENT_ID") ?? "stamina",
                    properties: properties),
                topics: EventTopics(
                    prefix: reader.string("STAMINA_KAFKA_TOPIC_PREFIX") ?? "stamina", contexts: eventContexts))
            kafka.partitions = try reader.integer("STAMINA_KAFKA_PARTITIONS", in: 1...10_000) ?? kafka.partitions
            kafka.replicationFactor =
                try reader.integer("STAMINA_KAFKA_REPLICATION_FACTOR", in: 1...100) ?? kafka.replicationFactor
            kafka.unreachableAfter = .seconds(
                try reader.integer("STAMINA_KAFKA_UNREACHABLE_AFTER", in: 1...86_400) ?? 30)
            kafka.createTopics = reader.string("STAMINA_KAFKA_CREATE_TOPICS") != "false"
            configuration.kafka = kafka
        }
        if let roles = reader.string("STAMINA_ROLES") {
            configuration.roles = try ServerRole.parse(roles)
        }
        if let url = reader.string("STAMINA_REDIS_URL") {
            do {
                configuration.redis = try RedisConfiguration(url: url)
            } catch {
                throw Error(description: "STAMINA_REDIS_URL must look like redis://[user:password@]host[:port][/db]")
            }
        }
        configuration.live.abandonAfter = TimeInterval(
            try reader.integer("STAMINA_LIVE_ABANDON_AFTER", in: 10...604_800) ?? Int(configuration.live.abandonAfter))
        configuration.live.publicBaseURL = reader.string("STAMINA_PUBLIC_URL") ?? ""
        return configuration
    }
}

/// The bounded context that owns each aggregate type: it names the Kafka topic of their events.
let eventContexts = ["user": "accounts", "activity": "activities"]

/// A part of the server a process runs; several processes can split them (`--roles api,projector`).
public enum ServerRole: String, Sendable, CaseIterable {
    /// The HTTP API under `/api/v1` (health and metrics are served by every process).
    case api
    /// Publishes the outbox to Kafka (distributed mode only).
    case relay
    /// Applies events to the read models: in-process, or as a Kafka consumer-group member.
    case projector

    public static let all = Set(allCases)

    /// Parses a comma-separated list, e.g. `api,relay`; `all` means every role.
    public static func parse(_ list: String) throws -> Set<ServerRole> {
        var roles = Set<ServerRole>()
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            if name == "all" {
                roles.formUnion(allCases)
            } else if let role = ServerRole(rawValue: name) {
                roles.insert(role)
            } else {
                throw AppConfiguration.Error(
                    description:
                        "unknown role \(name); roles are \(allCases.map(\.rawValue).joined(separator: ", ")) or all")
            }
        }
        guard !roles.isEmpty else { throw AppConfiguration.Error(description: "no role given") }
        return roles
    }
}

private struct EnvironmentReader {
    let environment: [String: String]

    func string(_ key: String) -> String? {
        guard let value = environment[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = string(key) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw AppConfiguration.Error(
                description: "\(key) must be an integer from \(range.lowerBound) to \(range.upperBound), not \(raw)")
        }
        return value
    }
}
