import App
import CivilTime
import EventLog
import Foundation
import HTTPAPI
import Hummingbird
import HummingbirdTesting
import Kafka
import Live
import NIOWebSocket
import Testing

/// Live tracking end to end over real WebSockets: a device streams, spectators watch, the session
/// becomes an activity (see docs/live-protocol.md).
@Suite("Live tracking", .timeLimit(.minutes(3)))
struct LiveTrackingTests {
    /// Builds the real application on a fresh database, serves it on a loopback port and runs `body`.
    func withLiveApp(
        _ backend: Backend, configure: @escaping (inout AppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (Int, APIClient, StaminaComponents) async throws -> Void
    ) async throws {
        let (configuration, cleanup) = try await testConfiguration(backend, configure: configure)
        do {
            let (application, components) = try await buildApplication(configuration, logger: TestDatabase.logger)
            try await application.test(.live) { client in
                try await body(try #require(client.port), APIClient(client: client), components)
            }
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }

    static let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 600)

    /// Points `seqs` of a run heading north at about 3.3 m/s from (46.0, 7.0), one a second.
    static func points(_ seqs: ClosedRange<Int>, latitude: Double = 46.0) -> String {
        let items = seqs.map { seq in
            let time = Timestamp.format(start.addingTimeInterval(Double(seq)))
            return #"{"seq":\#(seq),"time":"\#(time)","latitude":\#(latitude + Double(seq) * 0.00003),"#
                + #""longitude":7.0,"heartRate":\#(120 + seq % 40),"cadence":84}"#
        }
        return #"{"type":"points","points":[\#(items.joined(separator: ","))]}"#
    }

    static func startMessage(_ clientID: String, visibility: String = "public") -> String {
        #"{"type":"start","clientSessionId":"\#(clientID)","sport":"running","startedAt":"\#(Timestamp.format(start))","#
            + #""visibility":"\#(visibility)","name":"Lunch run"}"#
    }

    static func int(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }

    @Test(
        "a device streams, resends after a reconnect without doubling, pauses, finishes: the activity holds every point once",
        arguments: Backend.allCases)
    func deviceToActivity(backend: Backend) async throws {
        try await withLiveApp(backend) { port, api, _ in
            let athlete = try await api.register("live-\(UUID())@example.com")
            let device = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: athlete.token)
            )
            try await device.send(Self.startMessage("watch-1"))
            let started = try await device.next("started")
            #expect(started["resumed"] as? Bool == false)
            #expect(Self.int(started["ackedSeq"]) == 0)
            let sessionID = try #require(started["sessionId"] as? String)

            try await device.send(Self.points(1...60))
            let ack = try await device.next("ack")
            #expect(Self.int(ack["seq"]) == 60)
            let metrics = try #require(ack["metrics"] as? [String: Any])
            let distance = try #require(metrics["distance"] as? Double)
            #expect(abs(distance - 59 * 3.3358) < 2, "distance \(distance)")
            #expect(Self.int(metrics["lastSeq"]) == 60)

            // The connection drops; the device reconnects and resends from 41, of which 41...60 are already stored.
            await device.close()
            let again = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: athlete.token)
            )
            try await again.send(Self.startMessage("watch-1"))
            let resumed = try await again.next("started")
            #expect(resumed["resumed"] as? Bool == true)
            #expect(resumed["sessionId"] as? String == sessionID)
            #expect(Self.int(resumed["ackedSeq"]) == 60)
            try await again.send(Self.points(41...120))
            #expect(Self.int(try await again.next("ack")["seq"]) == 120)
            // A pure resend is acked at once and changes nothing.
            try await again.send(Self.points(100...120))
            #expect(Self.int(try await again.next("ack")["seq"]) == 120)

            let live = try await api.send(.get, "/api/v1/users/\(athlete.id)/live", token: athlete.token)
            #expect(live.json["live"] as? Bool == true)

            let pauseTime = Timestamp.format(Self.start.addingTimeInterval(121))
            try await again.send(#"{"type":"pause","time":"\#(pauseTime)"}"#)
            let paused = try await again.next("metrics")
            #expect((paused["metrics"] as? [String: Any])?["state"] as? String == "paused")
            let resumeTime = Timestamp.format(Self.start.addingTimeInterval(180))
            try await again.send(#"{"type":"resume","time":"\#(resumeTime)"}"#)
            _ = try await again.next("metrics")
            try await again.send(Self.points(181...200))
            #expect(Self.int(try await again.next("ack")["seq"]) == 200)
            let finishTime = Timestamp.format(Self.start.addingTimeInterval(201))
            try await again.send(#"{"type":"finish","time":"\#(finishTime)"}"#)
            let finished = try await again.next("finished")
            let activityID = try #require(finished["activityId"] as? String)
            #expect(try await again.closed() == .normalClosure)

            let activity = try await api.send(.get, "/api/v1/activities/\(activityID)", token: athlete.token)
            #expect(activity.status == .ok)
            let summary = activity.json
            #expect(Self.int(summary["pointCount"]) == 140)
            #expect((summary["source"] as? [String: Any])?["format"] as? String == "live")
            #expect(summary["name"] as? String == "Lunch run")
            #expect(summary["type"] as? String == "running")
            let moving = try #require(summary["movingTime"] as? Double)
            #expect(moving < 200 - 55, "the pause is not moving time: \(moving)")
            let after = try await api.send(.get, "/api/v1/users/\(athlete.id)/live", token: athlete.token)
            #expect(after.json["live"] as? Bool == false)

            // Starting the finished session again says so, with the activity.
            let late = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: athlete.token)
            )
            try await late.send(Self.startMessage("watch-1"))
            let closed = try await late.next("error")
            #expect(closed["code"] as? String == "session_closed")
            #expect(closed["activityId"] as? String == activityID)
            await late.close()
        }
    }

    @Test(
        "messages sent at once after the upgrade, fragmented ones too, are answered in order",
        arguments: [Backend.sqlite])
    func messagesInOrder(backend: Backend) async throws {
        try await withLiveApp(backend) { port, api, _ in
            let athlete = try await api.register("order-\(UUID())@example.com")
            let path = "/api/v1/realtime/activity-stream"
            let device = try #require(try await TestSocket.connect(port: port, path: path, token: athlete.token))
            try await device.send(Self.startMessage("order-1"))
            try await device.send(Self.points(1...10))
            let fragmented = Self.points(11...20)
            let third = fragmented.count / 3
            try await device.sendFragmented([
                String(fragmented.prefix(third)), String(fragmented.dropFirst(third).prefix(third)),
                String(fragmented.dropFirst(2 * third)),
            ])
            try await device.send(#"{"type":"dance"}"#)
            try await device.send(Self.points(21...30))
            #expect(try await device.next()["type"] as? String == "started")
            #expect(Self.int(try await device.next()["seq"]) == 10)
            #expect(Self.int(try await device.next()["seq"]) == 20)
            #expect(try await device.next()["code"] as? String == "invalid_message")
            #expect(Self.int(try await device.next()["seq"]) == 30)

            // Messages in the upgrade request's packet reach the server before its device handler is
            // in place; they are still answered first, and in order.
            let early = try RawWebSocket(
                port: port, path: path, token: athlete.token,
                sendingAlong: [Self.startMessage("order-3"), Self.points(1...10), Self.points(11...20)])
            #expect(try early.next()["type"] as? String == "started")
            #expect(Self.int(try early.next()["seq"]) == 10)
            #expect(Self.int(try early.next()["seq"]) == 20)

            // The frame limit holds for a message in fragments too.
            let big = try #require(try await TestSocket.connect(port: port, path: path, token: athlete.token))
            try await big.send(Self.startMessage("order-2"))
            _ = try await big.next("started")
            try await big.sendFragmented([String(repeating: " ", count: 40_000), String(repeating: " ", count: 40_000)])
            #expect(try await big.closed() == .messageTooLarge)
        }
    }

    @Test("bad input gets an error frame or a close code, and the session goes on", arguments: [Backend.sqlite])
    func badInput(backend: Backend) async throws {
        try await withLiveApp(backend) { port, api, _ in
            let athlete = try await api.register("bad-\(UUID())@example.com")
            let path = "/api/v1/realtime/activity-stream"
            #expect(try await TestSocket.connect(port: port, path: path) == nil, "no token, no upgrade")
            #expect(try await TestSocket.connect(port: port, path: path, token: "not-a-token") == nil)
            let plain = try await api.send(.get, path, token: athlete.token)
            #expect(plain.status == .upgradeRequired)
            #expect(plain.headers[.contentType] == "application/problem+json")
            #expect(try await api.send(.get, path).status == .unauthorized)

            let device = try #require(try await TestSocket.connect(port: port, path: path, token: athlete.token))
            func expectError(_ message: String, _ code: String) async throws {
                try await device.send(message)
                let frame = try await device.next(timeout: .seconds(15), context: message)
                #expect(frame["type"] as? String == "error", "\(message) → \(frame)")
                #expect(frame["code"] as? String == code, "\(message) → \(frame)")
            }
            try await expectError("{not json", "invalid_message")
            try await expectError(#"{"type":"dance"}"#, "invalid_message")
            try await expectError(Self.points(1...2), "not_started")
            try await expectError(#"{"type":"start","sport":"running"}"#, "invalid_message")
            try await expectError(
                #"{"type":"start","clientSessionId":"x","sport":"curling","startedAt":"2026-01-01T00:00:00Z"}"#,
                "invalid_message")
            try await device.send(Self.startMessage("bad-1"))
            _ = try await device.next("started")
            try await expectError(Self.points(1...3, latitude: 95), "invalid_point")
            try await expectError(
                Self.points(1...1).replacingOccurrences(of: #","longitude":7.0"#, with: ""), "invalid_point")
            try await expectError(
                #"{"type":"points","points":[{"seq":1,"time":"2020-01-01T00:00:00Z"}]}"#, "out_of_order")
            try await expectError(#"{"type":"points","points":[]}"#, "invalid_message")
            try await expectError(
                #"{"type":"points","points":[{"seq":"one","time":"2026-01-01T00:00:00Z"}]}"#, "invalid_message")
            let many = (1...1_001).map { #"{"seq":\#($0),"time":"2026-01-01T00:00:00Z"}"# }
            try await expectError(#"{"type":"points","points":[\#(many.joined(separator: ","))]}"#, "too_many_points")
            try await device.send(Self.points(5...6))
            #expect(Self.int(try await device.next("ack")["seq"]) == 6)
            try await expectError(
                Self.points(3...4).replacingOccurrences(of: "\"seq\":3", with: "\"seq\":9"), "out_of_order")
            try await device.send(Self.points(7...8))
            #expect(Self.int(try await device.next("ack")["seq"]) == 8, "the session goes on after refused batches")
            try await device.sendBinary([1, 2, 3])
            #expect(try await device.next()["code"] as? String == "unsupported_frame")
            #expect(try await device.closed() == .unacceptableData)

            let big = try #require(try await TestSocket.connect(port: port, path: path, token: athlete.token))
            try await big.send(String(repeating: " ", count: 70_000))
            #expect(try await big.closed() == .messageTooLarge)
        }
    }

    @Test(
        "spectators get the track so far, then live points; privacy zones, visibility and share links hold",
        arguments: Backend.allCases)
    func spectators(backend: Backend) async throws {
        try await withLiveApp(backend) { port, api, _ in
            let owner = try await api.register("owner-\(UUID())@example.com")
            let friend = try await api.register("friend-\(UUID())@example.com")
            // A zone around the start hides the first ~30 points (100 m) from spectators.
            let zone = try await api.send(
                .post, "/api/v1/users/me/privacy-zones", token: owner.token,
                json: #"{"latitude":46.0,"longitude":7.0,"radius":100}"#)
            #expect(zone.status == .created)
            let device = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: owner.token))
            try await device.send(Self.startMessage("phone-1"))
            let sessionID = try #require(try await device.next("started")["sessionId"] as? String)
            try await device.send(Self.points(1...50))
            _ = try await device.next("ack")

            let watchPath = "/api/v1/realtime/live/\(sessionID)"
            let spectator = try #require(try await TestSocket.connect(port: port, path: watchPath, token: friend.token))
            let snapshot = try await spectator.next("snapshot")
            let shown = try #require(snapshot["points"] as? [[String: Any]])
            let seqs = shown.compactMap { Self.int($0["seq"]) }
            #expect(
                seqs.first.map { $0 > 25 } == true,
                "points in the zone are hidden: first \(String(describing: seqs.first))")
            #expect(seqs.last == 50)
            #expect((snapshot["session"] as? [String: Any])?["name"] as? String == "Lunch run")

            try await device.send(Self.points(51...55))
            _ = try await device.next("ack")
            let update = try await spectator.next("points")
            #expect((update["points"] as? [[String: Any]])?.compactMap { Self.int($0["seq"]) } == Array(51...55))
            #expect(update["metrics"] is [String: Any])

            let watching = try await api.send(.get, "/api/v1/users/\(owner.id)/live", token: friend.token)
            #expect((watching.json["sessions"] as? [[String: Any]])?.first?["sessionId"] as? String == sessionID)

            // A share link lets someone without an account watch, until it is revoked.
            let created = try await api.send(.post, "/api/v1/realtime/sessions/\(sessionID)/shares", token: owner.token)
            #expect(created.status == .created)
            let token = try #require(created["token"])
            let shareID = try #require(created["id"])
            #expect(
                try await api.send(.post, "/api/v1/realtime/sessions/\(sessionID)/shares", token: friend.token).status
                    == .notFound)
            #expect(try await TestSocket.connect(port: port, path: watchPath) == nil)
            #expect(try await TestSocket.connect(port: port, path: watchPath + "?share=wrong") == nil)
            let guest = try #require(try await TestSocket.connect(port: port, path: watchPath + "?share=\(token)"))
            _ = try await guest.next("snapshot")
            let list = try await api.send(.get, "/api/v1/realtime/sessions/\(sessionID)/shares", token: owner.token)
            #expect((list.json["items"] as? [[String: Any]])?.count == 1)
            #expect((list.json["items"] as? [[String: Any]])?.first?["token"] == nil, "tokens are shown once")
            let revoked = try await api.send(
                .delete, "/api/v1/realtime/sessions/\(sessionID)/shares/\(shareID)", token: owner.token)
            #expect(revoked.status == .noContent)
            #expect(try await guest.next("revoked")["type"] as? String == "revoked")
            #expect(try await guest.closed() == WebSocketErrorCode(codeNumber: 4403))
            #expect(try await TestSocket.connect(port: port, path: watchPath + "?share=\(token)") == nil)

            try await device.send(#"{"type":"finish"}"#)
            let activityID = try #require(try await device.next("finished")["activityId"] as? String)
            let end = try await spectator.next("finished")
            #expect(end["activityId"] as? String == activityID)
            #expect(try await spectator.closed() == .normalClosure)
        }
    }

    @Test("a private session is invisible to others; the owner can watch it", arguments: [Backend.sqlite])
    func privateSession(backend: Backend) async throws {
        try await withLiveApp(backend) { port, api, _ in
            let owner = try await api.register("private-\(UUID())@example.com")
            let other = try await api.register("other-\(UUID())@example.com")
            let device = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: owner.token))
            try await device.send(Self.startMessage("private-1", visibility: "private"))
            let sessionID = try #require(try await device.next("started")["sessionId"] as? String)
            let path = "/api/v1/realtime/live/\(sessionID)"
            #expect(try await TestSocket.connect(port: port, path: path, token: other.token) == nil)
            #expect(try await api.send(.get, path, token: other.token).status == .notFound)
            let listed = try await api.send(.get, "/api/v1/users/\(owner.id)/live", token: other.token)
            #expect(listed.json["live"] as? Bool == false)
            let own = try #require(try await TestSocket.connect(port: port, path: path, token: owner.token))
            _ = try await own.next("snapshot")
            await own.close()
            await device.close()
        }
    }

    @Test("in distributed mode points are acked once Kafka has them, and the batch writer stores each once")
    func throughKafka() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        defer { cluster.destroy() }
        for topic in ["live.live-points", "live.accounts", "live.activities"] {
            try cluster.createTopic(topic, partitions: 4, replicationFactor: 3)
        }
        try await withLiveApp(
            .postgres,
            configure: { configuration in
                var kafka = KafkaEventLogConfiguration(
                    kafka: KafkaConfiguration(
                        bootstrapServers: cluster.bootstrapServers, properties: KafkaEventLogTests.quickClient),
                    topics: EventTopics(prefix: "live", contexts: ["user": "accounts", "activity": "activities"]))
                kafka.createTopics = false
                configuration.kafka = kafka
            }
        ) { port, api, _ in
            let athlete = try await api.register("kafka-\(UUID())@example.com")
            let device = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: athlete.token)
            )
            try await device.send(Self.startMessage("kafka-1"))
            let sessionID = try #require(try await device.next("started")["sessionId"] as? String)
            let spectator = try #require(
                try await TestSocket.connect(
                    port: port, path: "/api/v1/realtime/live/\(sessionID)", token: athlete.token))
            _ = try await spectator.next("snapshot")
            for batch in 0..<10 {
                try await device.send(Self.points(batch * 10 + 1...batch * 10 + 10))
                #expect(Self.int(try await device.next("ack")["seq"]) == batch * 10 + 10)
            }
            // A resend goes to Kafka again; the writer drops it by key.
            try await device.send(Self.points(91...100))
            _ = try await device.next("ack")
            var seen: [Int] = []
            while seen.last != 100 { seen += LiveProcessTests.seqs(try await spectator.next("points")) }
            #expect(seen == Array(1...100))
            // A spectator who arrives right after an ack may find the batch writer behind: the snapshot
            // lacks the newest points, and the next broadcast says which to wait for.
            try await device.send(Self.points(101...110))
            _ = try await device.next("ack")
            let late = try #require(
                try await TestSocket.connect(
                    port: port, path: "/api/v1/realtime/live/\(sessionID)", token: athlete.token))
            var lateSeen = LiveProcessTests.seqs(try await late.next("snapshot"))
            try await device.send(Self.points(111...120))
            _ = try await device.next("ack")
            while lateSeen.last != 120 { lateSeen += LiveProcessTests.seqs(try await late.next("points")) }
            #expect(lateSeen == Array(1...120))
            try await device.send(#"{"type":"finish"}"#)
            let activityID = try #require(
                try await device.next("finished", timeout: .seconds(40))["activityId"] as? String)
            let activity = try await api.send(.get, "/api/v1/activities/\(activityID)", token: athlete.token)
            #expect(Self.int(activity.json["pointCount"]) == 120)
        }
    }

    @Test("a silent session is closed as abandoned, kept as an activity", arguments: Backend.allCases)
    func abandoned(backend: Backend) async throws {
        try await withLiveApp(backend, configure: { $0.live.abandonAfter = 1 }) { port, api, components in
            let athlete = try await api.register("gone-\(UUID())@example.com")
            let device = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: athlete.token)
            )
            try await device.send(Self.startMessage("lost-1"))
            _ = try await device.next("started")
            try await device.send(Self.points(1...30))
            _ = try await device.next("ack")
            await device.close()
            // A second device stays connected but silent; its session is closed under it.
            let silent = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: athlete.token)
            )
            try await silent.send(Self.startMessage("quiet-1"))
            _ = try await silent.next("started")
            try await Task.sleep(for: .milliseconds(1_500))
            // The server's own sweeper (every second here) may have closed them already.
            _ = try await components.live.closeAbandoned()
            try await silent.send(Self.points(1...2))
            #expect(
                try await silent.next()["code"] as? String == "session_closed", "points after the close are refused")
            try await silent.send(Self.points(3...4))
            #expect(try await silent.next()["code"] as? String == "not_started")
            await silent.close()
            let list = try await api.send(.get, "/api/v1/users/\(athlete.id)/activities", token: athlete.token)
            let items = try #require(list.json["items"] as? [[String: Any]])
            #expect(items.count == 1, "the silent session without points leaves no activity")
            let recorded = try #require(items.first)
            #expect(Self.int(recorded["pointCount"]) == 30)
            let again = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: athlete.token)
            )
            try await again.send(Self.startMessage("lost-1"))
            let error = try await again.next("error")
            #expect(error["code"] as? String == "session_closed")
            #expect(error["activityId"] as? String == recorded["id"] as? String)
            await again.close()
        }
    }

    @Test("an access token that expires mid-stream ends it with 4401", arguments: [Backend.sqlite])
    func tokenExpires(backend: Backend) async throws {
        try await withLiveApp(backend, configure: { $0.accounts.accessTokenLifetime = 5 }) { port, api, _ in
            let athlete = try await api.register("expiring-\(UUID())@example.com")
            let device = try #require(
                try await TestSocket.connect(port: port, path: "/api/v1/realtime/activity-stream", token: athlete.token)
            )
            try await device.send(Self.startMessage("short-1"))
            _ = try await device.next("started")
            let error = try await device.next("error", timeout: .seconds(10))
            #expect(error["code"] as? String == "token_expired")
            #expect(try await device.closed() == WebSocketErrorCode(codeNumber: 4401))
        }
    }
}
