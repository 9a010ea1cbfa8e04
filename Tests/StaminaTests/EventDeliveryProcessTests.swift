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

    /// The server's `/metrics`, each sample by its name and labels as printed (`name{label="value"}`).
    func metrics(on port: Int) async throws -> [String: Double] {
        let (status, body) = try await live.request(.GET, port, "/metrics")
        #expect(status == 200)
        var samples: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
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
        // The log's head and the projection's lag are published for operators.
        let (_, log) = try command(["events", "tail"], environment: environment)
        let samples = try await metrics(on: server.port)
        #expect(samples["stamina_outbox_head_position"] == Double(log.split(separator: "\n").count))
        #expect(samples[#"stamina_consumer_lag_events{consumer="insights.progress"}"#] == 0)
        #expect(samples[#"stamina_events_applied_total{consumer="insights.progress"}"#] ?? 0 >= 3)
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
        // The relay has published everything: no backlog, no lag; the projection is caught up.
        let samples = try await metrics(on: second.port)
        #expect(samples["stamina_outbox_head_position"] ?? 0 >= 20)
        #expect(samples["stamina_outbox_backlog_events"] == 0)
        #expect(samples["stamina_relay_lag_events"] == 0)
        #expect(samples["stamina_relay_published_total"] ?? 0 >= 5)
        #expect(samples[#"stamina_consumer_lag_events{consumer="insights.progress"}"#] == 0)
        #expect(second.terminate() == 0)
        await cleanup()
    }

    /// Runs `stamina ARGUMENTS` to its end and returns its exit status and standard output.
    func command(_ arguments: [String], environment: [String: String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = LiveServerTests.ServerProcess.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test("events tail prints the log as JSON lines, in order, times to the millisecond", arguments: Backend.allCases)
    func tail(backend: Backend) async throws {
        let (environment, cleanup) = try await environment(backend)
        let server = try LiveServerTests.ServerProcess(environment: environment)
        try server.start()
        let (token, user) = try await athlete(on: server.port)
        try await record(2, on: server.port, token: token)
        #expect(server.terminate() == 0)

        let (status, output) = try command(["events", "tail"], environment: environment)
        #expect(status == 0)
        let events = try output.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(events.map { $0["position"] as? Int } == Array(1...events.count))
        let recorded = events.filter { $0["eventType"] as? String == "ActivityRecorded" }
        #expect(recorded.count == 2)
        for event in events {
            let time = try #require(event["occurredAt"] as? String)
            #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(time)")
        }
        #expect(recorded.allSatisfy { ($0["payload"] as? String)?.uppercased().contains(user.uppercased()) ?? false })

        let (_, page) = try command(["events", "tail", "--after", "1", "--limit", "1"], environment: environment)
        let only = try #require(try JSONSerialization.jsonObject(with: Data(page.utf8)) as? [String: Any])
        #expect(only["position"] as? Int == 2)
        await cleanup()
    }
}
