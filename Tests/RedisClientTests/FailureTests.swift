import TestServers
import Testing

@testable import RedisClient

@Suite(.timeLimit(.minutes(1)))
struct FailureTests {
    @Test func connectionRefusedIsAClearErrorNotAHang() async throws {
        let port = try await freePort()
        try await withClient(RedisConfiguration(port: port)) { redis in
            for _ in 0..<2 {
                let error = await #expect(throws: RedisError.self) { try await redis.send("PING") }
                #expect(error?.code == .connectionFailed)
                #expect(error?.message.contains("127.0.0.1:\(port)") == true)
                #expect(error?.message.lowercased().contains("refused") == true)
            }
            let subscribeError = await #expect(throws: RedisError.self) { try await redis.subscribe(to: ["c"]) }
            #expect(subscribeError?.code == .connectionFailed)
        }
    }

    @Test func garbageFromTheServerIsAProtocolError() async throws {
        try await withFakeServer(reply: "hello, I am not Redis\r\n") { port in
            try await withClient(RedisConfiguration(port: port)) { redis in
                let error = await #expect(throws: RedisError.self) { try await redis.send("PING") }
                #expect(error?.code == .protocolError)
            }
        }
    }

    @Test func silentServerTimesOut() async throws {
        try await withFakeServer(reply: nil) { port in
            try await withClient(RedisConfiguration(port: port, commandTimeout: .milliseconds(100))) { redis in
                let error = await #expect(throws: RedisError.self) {
                    try await redis.pipeline([("SET", ["a", "1"]), ("GET", ["a"])])
                }
                #expect(error?.code == .timeout)
            }
        }
    }

    @Test func shutdownEndsEverythingItStarted() async throws {
        try await withRedisServer { server in
            let redis = RedisClient(configuration: server.configuration(), logger: testLogger)
            let subscription = try await redis.subscribe(to: ["c"])
            let patternSubscription = try await redis.psubscribe(to: ["p*"])
            try await redis.set("k", "v")
            let consumer = Task { await subscription.collect() }

            await redis.shutdown()
            #expect(await consumer.value.isEmpty)
            #expect(await patternSubscription.collect().isEmpty)
            await redis.shutdown()

            let error = await #expect(throws: RedisError.self) { try await redis.get("k") }
            #expect(error?.code == .poolClosed)
            let subscribeError = await #expect(throws: RedisError.self) { try await redis.subscribe(to: ["c"]) }
            #expect(subscribeError?.code == .poolClosed)
            // Redis sees none of the client's connections any more, only the observer's own (a pool of one, or
            // each INFO could open another).
            try await withClient(server.configuration { $0.poolSize = 1 }) { observer in
                _ = try await eventually {
                    try await observer.send("INFO", ["clients"]).string?.contains("connected_clients:1\r\n") == true
                        ? true : nil
                }
            }
        }
    }
}
