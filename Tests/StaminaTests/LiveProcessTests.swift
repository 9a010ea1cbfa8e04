import Foundation
import NIOWebSocket
import TestServers
import Testing

/// Live tracking across real `stamina serve` processes: a spectator on one process watches a device
/// on another through Redis, and a process killed with SIGKILL loses no acked point.
@Suite("Live tracking across processes", .timeLimit(.minutes(4)))
struct LiveProcessTests {
    let events = EventDeliveryProcessTests()
    static let secret = ["STAMINA_JWT_SECRET": "live-process-tests-signing-key-of-32-bytes"]

    func register(_ email: String, on port: Int) async throws -> (token: String, id: String) {
        let (status, body) = try await LiveServerTests().request(
            .POST, port, "/api/v1/auth/register",
            json: #"{"email":"\#(email)","password":"live password","name":"Live"}"#)
        try #require(status == 201, "register: \(status) \(body)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let user = try #require(json["user"] as? [String: Any])
        return (try #require(json["accessToken"] as? String), try #require(user["id"] as? String))
    }

    static func seqs(_ frame: [String: any Sendable]) -> [Int] {
        (frame["points"] as? [[String: Any]] ?? []).compactMap { LiveTrackingTests.int($0["seq"]) }
    }

    @Test("a spectator on a second process sees the device's points through Redis, also across a Redis restart")
    func twoProcessesThroughRedis() async throws {
        let (environment, cleanup) = try await events.environment(.postgres)
        let redis = try await RedisServer.launch()
        let shared = environment.merging(Self.secret) { $1 }.merging(["STAMINA_REDIS_URL": redis.url]) { $1 }
        let deviceSide = try LiveServerTests.ServerProcess(environment: shared)
        try deviceSide.start()
        let spectatorSide = try LiveServerTests.ServerProcess(environment: shared)
        try spectatorSide.start()

        let owner = try await register("runner@example.com", on: deviceSide.port)
        let friend = try await register("friend@example.com", on: spectatorSide.port)
        let device = try #require(
            try await TestSocket.connect(
                port: deviceSide.port, path: "/api/v1/realtime/activity-stream", token: owner.token))
        try await device.send(LiveTrackingTests.startMessage("two-1"))
        let sessionID = try #require(try await device.next("started")["sessionId"] as? String)
        try await device.send(LiveTrackingTests.points(1...10))
        _ = try await device.next("ack")

        let spectator = try #require(
            try await TestSocket.connect(
                port: spectatorSide.port, path: "/api/v1/realtime/live/\(sessionID)", token: friend.token))
        var seen = Self.seqs(try await spectator.next("snapshot"))
        #expect(seen == Array(1...10))
        var next = 11
        /// Streams one point a round until the spectator has seen `count` points or 30 s passed.
        func stream(until count: Int) async throws {
            let deadline = Date().addingTimeInterval(30)
            while seen.count < count, Date() < deadline {
                try await device.send(LiveTrackingTests.points(next...next))
                _ = try await device.next("ack")
                next += 1
                while let frame = try? await spectator.next("points", timeout: .milliseconds(300)) {
                    seen += Self.seqs(frame)
                }
            }
        }
        try await stream(until: 20)
        #expect(seen == Array(1..<next))

        // Redis goes away and comes back: broadcasts sent meanwhile are lost in transit, and the
        // spectator fills the gap from the database when the next one arrives.
        await redis.stop()
        let outage = next
        try await device.send(LiveTrackingTests.points(outage...outage + 4))
        _ = try await device.next("ack")
        next += 5
        try await redis.start()
        try await stream(until: next + 4)
        #expect(seen == Array(1..<next), "every point once, in order, after the restart")

        try await device.send(#"{"type":"finish"}"#)
        let activityID = try #require(try await device.next("finished")["activityId"] as? String)
        #expect(try await spectator.next("finished")["activityId"] as? String == activityID)
        #expect(deviceSide.terminate() == 0)
        #expect(spectatorSide.terminate() == 0)
        await redis.destroy()
        await cleanup()
    }

    @Test("a server killed with SIGKILL mid-stream keeps every acked point exactly once", arguments: Backend.allCases)
    func killedMidStream(backend: Backend) async throws {
        let (environment, cleanup) = try await events.environment(backend)
        let settings = environment.merging(Self.secret) { $1 }
        let first = try LiveServerTests.ServerProcess(environment: settings)
        try first.start()
        let athlete = try await register("killed@example.com", on: first.port)
        let device = try #require(
            try await TestSocket.connect(
                port: first.port, path: "/api/v1/realtime/activity-stream", token: athlete.token))
        try await device.send(LiveTrackingTests.startMessage("kill-1"))
        _ = try await device.next("started")
        // Batches go out without waiting for acks, so some are in flight when the process dies.
        var acked = 0
        for batch in 0..<40 {
            try await device.send(LiveTrackingTests.points(batch * 10 + 1...batch * 10 + 10))
            if batch == 20 { acked = LiveTrackingTests.int(try await device.next("ack")["seq"]) ?? 0 }
        }
        while let ack = try? await device.next("ack", timeout: .milliseconds(1)) {
            acked = max(acked, LiveTrackingTests.int(ack["seq"]) ?? 0)
        }
        first.kill()
        #expect(acked >= 10)

        let second = try LiveServerTests.ServerProcess(environment: settings)
        try second.start()
        let again = try #require(
            try await TestSocket.connect(
                port: second.port, path: "/api/v1/realtime/activity-stream", token: athlete.token))
        try await again.send(LiveTrackingTests.startMessage("kill-1"))
        let resumed = try await again.next("started")
        let durable = try #require(LiveTrackingTests.int(resumed["ackedSeq"]))
        #expect(durable >= acked, "every acked point survived: \(durable) ≥ \(acked)")
        // The client resends everything after the last ack it saw; the server drops what it already has.
        try await again.send(LiveTrackingTests.points(acked + 1...400))
        #expect(LiveTrackingTests.int(try await again.next("ack")["seq"]) == 400)
        try await again.send(#"{"type":"finish"}"#)
        let activityID = try #require(try await again.next("finished")["activityId"] as? String)
        let (status, body) = try await LiveServerTests().request(
            .GET, second.port, "/api/v1/activities/\(activityID)", token: athlete.token)
        #expect(status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(LiveTrackingTests.int(json["pointCount"]) == 400, "each point exactly once")
        #expect(second.terminate() == 0)
        await cleanup()
    }
}
