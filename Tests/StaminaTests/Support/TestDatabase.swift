import App
import Foundation
import Logging
import Persistence
import Testing

/// The storage backends every contract and HTTP test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// Fresh, migrated databases for tests: a temporary SQLite file, or a PostgreSQL database cloned
/// from a migrated template.
///
/// PostgreSQL tests need `STAMINA_TEST_POSTGRES_URL` (an admin URL, e.g.
/// `postgres://postgres@127.0.0.1:55499/postgres`); without it they fail: `scripts/test` provides one.
enum TestDatabase {
    static let logger = Logger(label: "stamina.tests")

    static var adminURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["STAMINA_TEST_POSTGRES_URL"], !url.isEmpty else {
                throw TestSetupError(
                    "STAMINA_TEST_POSTGRES_URL is not set: run the suite with scripts/test, which provisions PostgreSQL"
                )
            }
            return url
        }
    }

    /// A new, migrated database's configuration, and the clean-up to call when done.
    static func configuration(_ backend: Backend) async throws -> (
        DatabaseConfiguration, cleanup: @Sendable () async -> Void
    ) {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stamina-test-\(UUID())")
            let path = directory.appendingPathComponent("stamina.sqlite").path
            return (.sqlite(path: path), { try? FileManager.default.removeItem(at: directory) })
        case .postgres:
            let name = "stamina_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
            try await PostgresTemplate.shared.clone(into: name)
            let url = try url(database: name)
            return (.postgres(url: url), { _ = try? await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") })
        }
    }

    /// Runs `body` with a fresh, migrated, running database of `backend`, then removes it.
    static func with<T: Sendable>(_ backend: Backend, _ body: (any Database) async throws -> T) async throws -> T {
        let (configuration, cleanup) = try await self.configuration(backend)
        let database = try await configuration.open(logger: logger)
        do {
            let result = try await withRunning(database) {
                if backend == .sqlite { try await Migrations.prepare(database, logger: logger) }
                return try await body(database)
            }
            await (database as? SQLiteDatabase)?.close()
            await cleanup()
            return result
        } catch {
            await (database as? SQLiteDatabase)?.close()
            await cleanup()
            throw error
        }
    }

    static func url(database: String) throws -> String {
        var components = URLComponents(string: try adminURL)!
        components.path = "/" + database
        return components.string!
    }

    /// Runs one statement on the admin database.
    static func admin(_ sql: String) async throws {
        let database = try PostgresDatabase(url: try adminURL, maxConnections: 1, logger: logger)
        try await withRunning(database) {
            _ = try await database.read { try await $0.query(sql) }
        }
    }
}

/// Creates, once per test process, a migrated template database to clone test databases from.
actor PostgresTemplate {
    static let shared = PostgresTemplate()
    /// Creates database `name` as a copy of the template. Copies are made one at a time, since
    /// PostgreSQL refuses to copy a template that another session is using.
    func clone(into name: String) async throws {
        let template = try await self.name()
        var attempt = 0
        while true {
            do {
                try await TestDatabase.admin("CREATE DATABASE \(name) TEMPLATE \(template)")
                return
            } catch  where attempt < 20 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private var template: Task<String, any Error>?

    private func name() async throws -> String {
        if let template { return try await template.value }
        let task = Task {
            let name =
                "stamina_template_\(ProcessInfo.processInfo.processIdentifier)_\(Int(Date().timeIntervalSince1970))"
            try await TestDatabase.admin("CREATE DATABASE \(name)")
            let database = try PostgresDatabase(
                url: try TestDatabase.url(database: name), maxConnections: 1, logger: TestDatabase.logger)
            try await withRunning(database) {
                try await Migrations.prepare(database, logger: TestDatabase.logger)
            }
            return name
        }
        template = task
        return try await task.value
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
