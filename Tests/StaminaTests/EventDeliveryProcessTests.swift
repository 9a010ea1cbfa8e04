import Foundation
import Kafka
import Testing

/// Event delivery across real `stamina serve` processes that are killed with SIGKILL: committed
/// events are never lost, and never applied twice.
@Suite("Event delivery across killed processes")
struct EventDeliveryProcessTests {
    let live = LiveServerTests()

    /// A data directory and, for PostgreSQL, a fresh database; the clean-up removes both.
    func environment(_ backend: Backend) async throws -> ([String: String], cleanup: @Sendable () async -> Void) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stamina-kill-\(UUID())").path
        var environment = ["STAMINA_DATA_DIR": directory, "STAMINA_BCRYPT_COST": "4"]
        var database: String?
        if backend == .postgres {
            let name = "stamina_kill_\(UUID().uuidString.lowercased().prefix(8))"
            try await TestDatabase.admin("CREATE DATABASE \(name)")
            environment["STAMINA_DATABASE_URL"] = try TestDatabase.url(database: name)
            database = name
        }
        return (
            environment,
            { [database] in
                if let database {
                    _ = try? await TestDatabase.admin("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
                }
                try? FileManager.default.removeItem(atPath: directory)
            }
        )
    }

    /// Registers an athlete and returns their token and id.
    func athlete(on port: Int) async throws -> (token: String, id: String) {
        let (status, body) = try await live.request(
            .POST, port, "/api/v1/auth/register",
            json: #"{"email":"kill@example.com","password":"kill password","name":"Kill"}"#)
        #expect(status == 201)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let user = try #require(json["user"] as? [String: Any])
        return (try #require(json["accessToken"] as? String), try #require(user["id"] as? String))
    }

    /// Records `count` manual runs of 1 km each, starting now.
    func record(_ count: Int, on port: Int, token: String) async throws {
        for _ in 0..<count {
            let now = Date().formatted(.iso8601)
            let (status, _) = try await live.request(
                .POST, port, "/api/v1/activities",
                json: #"{"type":"running","startTime":"\#(now)","duration":600,"distance":1000}"#, token: token)
            #expect(status == 201)
        }
    }

    struct Totals: Equatable {
        var activities: Int
        var distance: Double
    }

    /// This week's number of activities and distance, once they reach `activities` (or after 60 s).
    func weekTotals(on port: Int, user: String, token: String, until activities: Int) async throws -> Totals {
        let deadline = Date().addingTimeInterval(60)
        while true {
            let (_, body) = try await live.request(
                .GET, port, "/api/v1/users/\(user)/progress?period=week", token: token)
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let totals = ((json?["periods"] as? [[String: Any]])?.first?["totals"] as? [String: Any]) ?? [:]
            let current = Totals(
                activities: totals["activities"] as? Int ?? 0, distance: totals["distance"] as? Double ?? 0)
            if current.activities >= activities || Date() > deadline { return current }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test(
        "events committed by a process killed before dispatching them are delivered after a restart",
        arguments: Backend.allCases)
    func killedBeforeDispatch(backend: Backend) async throws {
        let (environment, cleanup) = try await environment(backend)
        // The first process only serves the API: it commits events and never dispatches them.
        let writer = try LiveServerTests.ServerProcess(
            environment: environment.merging(["STAMINA_ROLES": "api"]) { $1 })
        try writer.start()
        let (token, user) = try await athlete(on: writer.port)
        try await record(3, on: writer.port, token: token)
        #expect(
            try await weekTotals(on: writer.port, user: user, token: token, until: 0)
                == Totals(activities: 0, distance: 0))
        writer.kill()

        let server = try LiveServerTests.ServerProcess(environment: environment)
        try server.start()
        #expect(
            try await weekTotals(on: server.port, user: user, token: token, until: 3)
                == Totals(activities: 3, distance: 3_000))
        #expect(server.terminate() == 0)
        await cleanup()
    }

    @Test("through Kafka, a server killed mid-stream and restarted leaves every activity counted once")
    func kafkaKilledMidStream() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        defer { cluster.destroy() }
        for topic in ["stamina.accounts", "stamina.activities"] {
            try cluster.createTopic(topic, partitions: 4, replicationFactor: 3)
        }
        var (environment, cleanup) = try await environment(.postgres)
        environment["STAMINA_KAFKA_BROKERS"] = cluster.bootstrapServers
        environment["STAMINA_KAFKA_CREATE_TOPICS"] = "false"
        // The killed member leaves the group after 6 s instead of librdkafka's default 45 s.
        environment["STAMINA_KAFKA_PROPERTIES"] = "session.timeout.ms=6000,heartbeat.interval.ms=500"

        let first = try LiveServerTests.ServerProcess(environment: environment)
        try first.start()
        let (token, user) = try await athlete(on: first.port)
        try await record(10, on: first.port, token: token)
        _ = try await weekTotals(on: first.port, user: user, token: token, until: 1)
        try await record(5, on: first.port, token: token)
        first.kill()

        let second = try LiveServerTests.ServerProcess(environment: environment)
        try second.start()
        try await record(5, on: second.port, token: token)
        #expect(
            try await weekTotals(on: second.port, user: user, token: token, until: 20)
                == Totals(activities: 20, distance: 20_000))
        // Redeliveries of what the killed process had applied but not committed arrive by now.
        try await Task.sleep(for: .seconds(2))
        #expect(
            try await weekTotals(on: second.port, user: user, token: token, until: 20)
                == Totals(activities: 20, distance: 20_000))
        #expect(second.terminate() == 0)
        await cleanup()
    }
}
