import App
import ArgumentParser
import Foundation
import Logging
import Metrics
import Persistence
import Prometheus

@main
struct Stamina: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stamina, the open-source fitness platform backend.",
        subcommands: [Serve.self, Migrate.self, Events.self, Projections.self, Version.self, Bench.self])
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the API server (migrates first).")

    @Option(help: "Address to listen on (STAMINA_HOSTNAME).")
    var hostname: String?

    @Option(help: "Port to listen on (STAMINA_PORT).")
    var port: Int?

    @Option(help: "Roles of this process, comma-separated: api, relay, projector, or all (STAMINA_ROLES).")
    var roles: String?

    func run() async throws {
        var configuration = try AppConfiguration.fromEnvironment()
        configuration.hostname = hostname ?? configuration.hostname
        configuration.port = port ?? configuration.port
        if let roles { configuration.roles = try ServerRole.parse(roles) }
        let logger = bootstrapLogging(configuration.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        logger.info(
            "starting Stamina",
            metadata: [
                "version": "\(staminaVersion)", "database": "\(configuration.database.logDescription)",
                "roles": "\(configuration.roles.map(\.rawValue).sorted().joined(separator: ","))",
            ])
        let (application, _) = try await buildApplication(configuration, logger: logger, metrics: registry)
        try await application.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    func run() async throws {
        let configuration = try AppConfiguration.fromEnvironment()
        let logger = bootstrapLogging(configuration.logLevel)
        let database = try await configuration.database.open(logger: logger)
        try await withRunning(database) {
            try await Migrations.prepare(database, logger: logger)
        }
        print("migrations up to date")
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("stamina \(staminaVersion)")
    }
}

/// Logs go to standard error, with their metadata, at the configured level.
func bootstrapLogging(_ level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "stamina")
}

extension DatabaseConfiguration {
    var logDescription: String {
        switch self {
        case .sqlite(let path): "sqlite \(path)"
        case .postgres(let url): "postgres \(PostgresDatabase.redacted(url))"
        }
    }
}
