import Accounts
import Activities
import EventLog
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdWebSocket
import Insights
import Kafka
import Live
import Logging
import NIOCore
import NIOPosix
import Persistence
import Prometheus
import RedisClient
import ServiceLifecycle

/// The version `stamina version` prints and `/health/live` reports.
public let staminaVersion = "0.1.0"

/// Everything a running server is made of, for the composition root and for tests.
public struct StaminaComponents: Sendable {
    public let database: any Database
    public let accounts: AccountService
    public let tokens: TokenService
    public let activities: ActivityService
    public let dispatcher: EventDispatcher
    public let live: LiveService
}

/// Every consumer of the event log, by name (for the dispatcher and `stamina projections`).
public func eventConsumers(logger: Logger) -> [any EventConsumer] {
    [ProgressProjection(logger: logger)]
}

/// Builds the whole server from its configuration: database, contexts, router and services.
///
/// The same function serves `stamina serve` and the tests. Migrations run before the server
/// accepts connections.
public func buildApplication(
    _ configuration: AppConfiguration, logger: Logger,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async throws -> (application: some ApplicationProtocol, components: StaminaComponents) {
    let database = try await configuration.database.open(logger: logger)
    let secret = try configuration.jwtSecret ?? SigningKeyFile.loadOrCreate(in: configuration.dataDirectory)
    let tokens = await TokenService(
        signingKey: secret, accessTokenLifetime: configuration.accounts.accessTokenLifetime,
        refreshTokenLifetime: configuration.accounts.refreshTokenLifetime)
    // One core is left to request handling, so logins cannot starve other requests.
    let hashingPool = NIOThreadPool(numberOfThreads: max(1, System.coreCount - 1))
    hashingPool.start()
    let accounts = AccountService(
        database: database, store: SQLAccountStore(), outbox: Outbox(), tokens: tokens,
        hasher: PasswordHasher(cost: configuration.accounts.bcryptCost, pool: hashingPool),
        configuration: configuration.accounts)
    let oidc = configuration.accounts.oidc.map(OIDCVerifier.init(configuration:))
    let verifier = BearerTokenVerifier(tokens: tokens, oidc: oidc, accounts: accounts)
    let activityStore = SQLActivityStore()
    let files = LocalFileStore(directory: configuration.activities.fileDirectory)
    let activities = ActivityService(
        database: database, store: activityStore, files: files, outbox: Outbox(),
        athletes: AccountsAthleteDirectory(accounts: accounts, now: Date.init), configuration: configuration.activities)
    let activityQueries = ActivityQueries(database: database, store: activityStore, files: files)
    let progress = ProgressQueries(database: database, timeZones: AccountsTimeZones(accounts: accounts))
    let migrated = CommitSignal()
    // Event delivery starts once migrations are done.
    let ready: @Sendable () async -> Void = { await migrated.wait(after: 0, timeout: .seconds(86_400 * 365)) }
    let dispatcher = EventDispatcher(
        database: database, consumers: eventConsumers(logger: logger), logger: logger, ready: ready)

    let hub = LiveHub()
    let redis = configuration.redis.map { RedisClient(configuration: $0, logger: logger) }
    let redisFanout = redis.map { RedisFanout(redis: $0, hub: hub, channel: "stamina.live", logger: logger) }
    // Live points: straight into the database in batches, or through Kafka in distributed mode. On
    // PostgreSQL the batches have a connection of their own: acks must not wait behind a mass start.
    let livePointsPool =
        configuration.kafka == nil ? try (database as? PostgresDatabase)?.dedicatedPool(connections: 1) : nil
    let livePointsDatabase: any Database = livePointsPool ?? database
    let pointSink: any LivePointSink & Service =
        if let kafka = configuration.kafka {
            KafkaLivePoints(
                producer: try KafkaProducer(configuration: kafka.kafka, logger: logger), configuration: kafka,
                database: database, logger: logger)
        } else {
            LivePointWriter(database: livePointsDatabase, logger: logger)
        }
    let live = LiveService(
        database: database, sink: pointSink, fanout: redisFanout ?? LocalFanout(hub: hub) as any LiveFanout,
        hub: hub, activities: activities, activityStore: activityStore,
        athletes: AccountsAthleteDirectory(accounts: accounts, now: Date.init), configuration: configuration.live,
        logger: logger)
    let webSocketRouter = Router(context: LiveSocketContext.self)

    let relayHealth = KafkaRelayHealth()
    let relaysHere = configuration.kafka != nil && configuration.roles.contains(.relay)
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: ProblemMiddleware(maxBodySize: configuration.maxBodySize))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: MethodNotAllowedMiddleware(openAPI: OpenAPIDocument.data))
    OperationsRoutes(
        database: database, metrics: metrics,
        relayHealth: relaysHere ? configuration.kafka.map { (relayHealth, $0.unreachableAfter) } : nil
    ).add(to: router)
    if configuration.roles.contains(.api) {
        let api = router.group("api/v1")
        api.get("openapi.json") { _, _ in try OpenAPIDocument.response() }
        let accountRoutes = AccountsRoutes(
            service: accounts, maxBodySize: configuration.maxBodySize,
            progress: InsightsGoalProgress(progress: progress))
        accountRoutes.addPublicRoutes(to: api)
        let authenticated = api.group().add(middleware: BearerAuthenticationMiddleware(verifier: verifier))
        accountRoutes.addAuthenticatedRoutes(to: authenticated)
        ActivitiesRoutes(
            service: activities, queries: activityQueries, configuration: configuration.activities,
            maxBodySize: configuration.maxBodySize
        ).addRoutes(to: authenticated)
        InsightsRoutes(progress: progress).addRoutes(to: authenticated)
        let liveRoutes = LiveRoutes(service: live, verifier: verifier, configuration: configuration.live)
        liveRoutes.addRoutes(public: api, authenticated: authenticated)
        liveRoutes.addWebSocketRoutes(to: webSocketRouter)
    }

    var application = Application(
        router: router,
        server: .http1WebSocketUpgrade(
            webSocketRouter: webSocketRouter,
            configuration: .init(
                http1: .init(additionalChannelHandlers: [ExpectContinueHandler()]),
                ws: .init(maxFrameSize: configuration.live.maxFrameSize))),
        // Connections not yet accepted queue up to 4,096 (Linux caps it at net.core.somaxconn) instead
        // of 256: in a mass start of devices, a full queue drops connection attempts, which clients
        // retry only after 1, 3, 7 s.
        configuration: .init(
            address: .hostname(configuration.hostname, port: configuration.port), serverName: "Stamina",
            backlog: 4_096),
        logger: logger)
    application.addServices(database, ThreadPoolService(pool: hashingPool))
    // Before the writer: services stop in reverse order, and the writer's last batch needs its pool.
    if let livePointsPool { application.addServices(livePointsPool) }
    application.addServices(pointSink)
    if let redis, let redisFanout {
        application.addServices(redisFanout, RedisClientService(client: redis))
    }
    if configuration.roles.contains(.api) {
        application.addServices(LiveSweeper(service: live, ready: ready))
    }
    if let kafka = configuration.kafka {
        if !KafkaLibrary.supportsTaggedFields {
            logger.warning(
                "librdkafka is older than 2.2: it cannot talk to brokers that send tagged fields (KIP-482)",
                metadata: ["librdkafka": "\(KafkaLibrary.version)"])
        }
        logger.info(
            "distributed event log",
            metadata: ["kafka": "\(kafka.kafka.bootstrapServers)", "librdkafka": "\(KafkaLibrary.version)"])
        if relaysHere {
            application.addServices(
                KafkaEventRelay(
                    database: database, configuration: kafka, health: relayHealth, logger: logger, ready: ready))
        }
        if configuration.roles.contains(.projector) {
            application.addServices(
                KafkaLivePointWriter(database: database, configuration: kafka, logger: logger, ready: ready))
            for consumer in dispatcher.consumers {
                application.addServices(
                    KafkaEventProjector(
                        database: database, consumer: consumer, configuration: kafka, logger: logger, ready: ready))
            }
        }
    } else if configuration.roles.contains(.projector) {
        application.addServices(dispatcher)
    }
    application.beforeServerStarts {
        try await Migrations.prepare(database, logger: logger)
        try await LiveStore.recoverLog(in: database)
        // Point partitions ahead of time: last month through the next two.
        try await PointPartitions.ensure(
            from: Date().addingTimeInterval(-31 * 86_400), through: Date().addingTimeInterval(62 * 86_400), in: database
        )
        migrated.signal()
        try await oidc?.loadKeys()
    }
    return (
        application,
        StaminaComponents(
            database: database, accounts: accounts, tokens: tokens, activities: activities, dispatcher: dispatcher,
            live: live)
    )
}

/// Shuts a thread pool down once the service group shuts down.
struct ThreadPoolService: Service {
    let pool: NIOThreadPool

    func run() async throws {
        try? await gracefulShutdown()
        try await pool.shutdownGracefully()
    }
}

/// Closes the Redis client's connections once the service group shuts down.
struct RedisClientService: Service {
    let client: RedisClient

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}

/// The access-token signing key of an installation that configures none: 32 random bytes kept
/// in the data directory (mode 0600), so tokens survive restarts.
enum SigningKeyFile {
    static func loadOrCreate(in directory: String) throws -> [UInt8] {
        let path = directory + "/jwt-signing.key"
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 {
            return Array(data)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        guard FileManager.default.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600])
        else { throw AppConfiguration.Error(description: "cannot write the signing key to \(path)") }
        return key
    }
}
