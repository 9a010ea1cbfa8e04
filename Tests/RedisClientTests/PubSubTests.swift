import TestServers
import Testing

@testable import RedisClient

@Suite(.timeLimit(.minutes(1)))
struct PubSubTests {
    /// Two server processes, as the app runs them: a device's points published through one client (process A)
    /// reach spectators subscribed through another (process B), every message, in order.
    @Test func messagesReachEverySubscriberInOrder() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration()) { processA in
                try await withClient(server.configuration()) { processB in
                    let first = try await processB.subscribe(to: ["gps.live"])
                    let second = try await processB.subscribe(to: ["gps.live", "other"])
                    let count = 500
                    async let firstReceived = first.prefix(count).collect()
                    async let secondReceived = second.prefix(count).collect()
                    for index in 0..<count {
                        #expect(try await processA.publish("gps.live", RESPArgument("point \(index)")) == 2)
                    }
                    let expected = (0..<count).map {
                        RedisPubSubMessage(channel: "gps.live", payload: Array("point \($0)".utf8))
                    }
                    #expect(await firstReceived == expected)
                    #expect(await secondReceived == expected)
                }
            }
        }
    }

    @Test func patternSubscriptionsCarryThePattern() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration()) { redis in
                let subscription = try await redis.psubscribe(to: ["gps.*"])
                #expect(try await redis.publish("gps.a", "1") == 1)
                #expect(try await redis.publish("other.b", "2") == 0)
                #expect(try await redis.publish("gps.b", RESPArgument([3])) == 1)
                #expect(
                    await subscription.prefix(2).collect() == [
                        RedisPubSubMessage(channel: "gps.a", pattern: "gps.*", payload: Array("1".utf8)),
                        RedisPubSubMessage(channel: "gps.b", pattern: "gps.*", payload: [3]),
                    ]
                )
            }
        }
    }

    /// Redis dies mid-stream and comes back on the same port: commands fail clearly while it is down, then work
    /// again with the same client, and the subscription resumes by itself.
    @Test func survivesARedisRestart() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration()) { redis in
                let subscription = try await redis.subscribe(to: ["gps.live"])
                var messages = subscription.makeAsyncIterator()
                #expect(try await redis.publish("gps.live", "before") == 1)
                #expect(await messages.next()?.string == "before")

                await server.stop()
                for _ in 0..<3 {
                    let error = await #expect(throws: RedisError.self) { try await redis.get("anything") }
                    #expect(error?.code == .connectionClosed || error?.code == .connectionFailed)
                    #expect(error?.message.contains("127.0.0.1:\(server.port)") == true, "\(String(describing: error))")
                }

                try await server.start()
                #expect(try await eventually { try await redis.send("PING") } == .simpleString("PONG"))
                // Re-subscribed once Redis counts a receiver; what was published before that is lost, by design.
                _ = try await eventually { try await redis.publish("gps.live", "probe") > 0 ? true : nil }
                for index in 0..<10 {
                    #expect(try await redis.publish("gps.live", RESPArgument("after \(index)")) == 1)
                }
                var after: [String] = []
                while after.count < 10, let message = await messages.next() {
                    if message.string != "probe" { after.append(message.string) }
                }
                #expect(after == (0..<10).map { "after \($0)" })
            }
        }
    }

    /// A connection that stops answering without closing (Redis paused here; a partition in real life) fails the
    /// health check, and the subscription moves to a new connection.
    @Test func silentlyStuckSubscriberConnectionIsReplaced() async throws {
        try await withRedisServer { server in
            let impatient = server.configuration {
                $0.healthCheckInterval = .milliseconds(100)
                $0.commandTimeout = .seconds(1)
            }
            try await withClient(impatient) { spectator in
                try await withClient(server.configuration()) { redis in
                    let subscription = try await spectator.subscribe(to: ["gps.live"])
                    let stuckConnection = try await subscriberClientIDs(redis)
                    #expect(stuckConnection.count == 1)
                    _ = try await redis.send("CLIENT", ["PAUSE", 3000, "ALL"])
                    _ = try await eventually {
                        let ids = try await subscriberClientIDs(redis)
                        return ids.count == 1 && ids != stuckConnection ? true : nil
                    }
                    #expect(try await redis.publish("gps.live", "after") == 1)
                    var messages = subscription.makeAsyncIterator()
                    #expect(await messages.next()?.string == "after")
                }
            }
        }
    }

    func subscriberClientIDs(_ redis: RedisClient) async throws -> [Substring] {
        let list = try await redis.send("CLIENT", ["LIST", "TYPE", "pubsub"]).string ?? ""
        return list.split(separator: "\n").compactMap { $0.split(separator: " ").first }
    }

    @Test func endingTheIterationUnsubscribes() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration()) { redis in
                let subscription = try await redis.subscribe(to: ["spectate"])
                let consumer = Task { await subscription.collect() }
                #expect(try await subscriberCount(redis, "spectate") == 1)
                consumer.cancel()
                _ = await consumer.value
                _ = try await eventually { try await subscriberCount(redis, "spectate") == 0 ? true : nil }

                // Dropping a subscription that was never iterated ends it too.
                _ = try await redis.subscribe(to: ["dropped"])
                _ = try await eventually { try await subscriberCount(redis, "dropped") == 0 ? true : nil }
            }
        }
    }

    func subscriberCount(_ redis: RedisClient, _ channel: String) async throws -> Int64? {
        try await redis.send("PUBSUB", ["NUMSUB", RESPArgument(channel)]).array?.last?.int
    }
}

extension AsyncSequence where Failure == Never {
    /// All elements, until the sequence ends.
    func collect() async -> [Element] {
        var elements: [Element] = []
        for await element in self {
            elements.append(element)
        }
        return elements
    }
}
