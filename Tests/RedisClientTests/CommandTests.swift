import TestServers
import Testing

@testable import RedisClient

@Suite(.timeLimit(.minutes(1)))
struct CommandTests {
    @Test func stringsCountersAndExpiry() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration()) { redis in
                #expect(try await redis.send("PING") == .simpleString("PONG"))
                try await redis.set("greeting", "héllo")
                #expect(try await redis.get("greeting") == "héllo")
                #expect(try await redis.get("missing") == nil)
                #expect(try await redis.send("GET", ["missing"]).isNull)

                let binary: [UInt8] = [0, 255, 13, 10, 42]
                try await redis.set("binary", RESPArgument(binary))
                #expect(try await redis.send("GET", ["binary"]).bytes == binary)

                #expect(try await redis.incr("counter") == 1)
                #expect(try await redis.incrBy("counter", 41) == 42)
                #expect(try await redis.incrBy("counter", -2) == 40)
                #expect(try await redis.send("GET", ["counter"]).int == 40)

                try await redis.set("session", "x", expiry: .seconds(30))
                let ttl = try #require(try await redis.send("PTTL", ["session"]).int)
                #expect(ttl > 0 && ttl <= 30_000)
                #expect(try await redis.expire("counter", .milliseconds(1500)))
                #expect(try #require(try await redis.send("PTTL", ["counter"]).int) <= 1500)
                #expect(try await redis.expire("missing", .seconds(1)) == false)

                #expect(try await redis.del("greeting", "binary", "missing") == 2)
                #expect(try await redis.get("greeting") == nil)
            }
        }
    }

    @Test func sortedSetAsLeaderboard() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration()) { redis in
                #expect(try await redis.zadd("board", score: 12.5, member: "ana"))
                #expect(try await redis.zadd("board", score: 30, member: "bo"))
                #expect(try await redis.zadd("board", score: 7, member: "cy"))
                #expect(try await redis.zadd("board", score: 8, member: "cy") == false)
                #expect(try await redis.zincrby("board", 20, member: "ana") == 32.5)

                let top = try await redis.zrevrangeWithScores("board", 0, 1)
                #expect(top == [RedisSortedSetEntry(member: "ana", score: 32.5), .init(member: "bo", score: 30)])
                #expect(try await redis.zrevrangeWithScores("board", 0, -1).map(\.member) == ["ana", "bo", "cy"])
                #expect(try await redis.zrevrangeWithScores("nobody", 0, -1).isEmpty)
                #expect(try await redis.zrevrank("board", "bo") == 1)
                #expect(try await redis.zrevrank("board", "zed") == nil)
                #expect(try await redis.zscore("board", "cy") == 8)
                #expect(try await redis.zscore("board", "zed") == nil)
            }
        }
    }

    /// A fixed-window rate limiter, the way the app uses scripts.
    @Test func scriptsForAtomicRateLimiting() async throws {
        let limiter = RedisScript(
            """
            local count = redis.call('INCR', KEYS[1])
            if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
            if count > tonumber(ARGV[2]) then return 0 end
            return 1
            """
        )
        try await withRedisServer { server in
            try await withClient(server.configuration()) { redis in
                #expect(
                    try await redis.eval("return {KEYS[1], ARGV[1]}", keys: ["k"], arguments: [7])
                        == .array([
                            .bulkString(Array("k".utf8)), .bulkString(Array("7".utf8)),
                        ]))
                // Not cached yet: EVALSHA fails with NOSCRIPT, the RedisScript overload falls back to EVAL.
                let noScript = await #expect(throws: RedisError.self) {
                    try await redis.evalsha(limiter.sha1, keys: ["rl"], arguments: [60_000, 3])
                }
                #expect(noScript?.serverErrorPrefix == "NOSCRIPT")
                var allowed: [Int64] = []
                for _ in 0..<5 {
                    allowed.append(
                        try #require(try await redis.eval(limiter, keys: ["rl"], arguments: [60_000, 3]).int))
                }
                #expect(allowed == [1, 1, 1, 0, 0])
                // Now cached under the SHA-1 this client computed.
                #expect(try await redis.send("SCRIPT", ["LOAD", RESPArgument(limiter.source)]).string == limiter.sha1)
                #expect(try await redis.evalsha(limiter.sha1, keys: ["other"], arguments: [60_000, 3]) == .integer(1))
                _ = try await redis.send("SCRIPT", ["FLUSH"])
                #expect(try await redis.eval(limiter, keys: ["other"], arguments: [60_000, 3]) == .integer(1))
            }
        }
    }

    @Test func serverErrorsCarryRedisMessage() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration()) { redis in
                try await redis.set("text", "abc")
                let notInteger = await #expect(throws: RedisError.self) { try await redis.incr("text") }
                #expect(notInteger?.code == .server)
                #expect(notInteger?.message == "ERR value is not an integer or out of range")
                let wrongType = await #expect(throws: RedisError.self) {
                    try await redis.zadd("text", score: 1, member: "m")
                }
                #expect(wrongType?.serverErrorPrefix == "WRONGTYPE")
                let unknown = await #expect(throws: RedisError.self) { try await redis.send("NOSUCHCOMMAND", ["x"]) }
                #expect(unknown?.message.hasPrefix("ERR unknown command") == true)
                #expect(unknown?.description.contains("server") == true)
                // The connection is still good.
                #expect(try await redis.get("text") == "abc")
            }
        }
    }

    @Test func concurrentCommandsShareThePool() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration { $0.poolSize = 4 }) { redis in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<1000 {
                        group.addTask { _ = try await redis.incr("hits") }
                    }
                    try await group.waitForAll()
                }
                #expect(try await redis.send("GET", ["hits"]).int == 1000)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<1000 {
                        group.addTask { try await redis.publish("nobody-listens", RESPArgument(index)) }
                    }
                    try await group.waitForAll()
                }
                // No connection per call: the pool's four (this INFO goes over one of them).
                let info = try #require(try await redis.send("INFO", ["clients"]).string)
                #expect(info.contains("connected_clients:4\r\n"))
            }
        }
    }

    @Test func pipelineKeepsOrderAndErrorsInPlace() async throws {
        try await withRedisServer { server in
            try await withClient(server.configuration()) { redis in
                var commands: [(String, [RESPArgument])] = []
                for index in 0..<100 {
                    commands.append(("SET", [RESPArgument("key\(index)"), RESPArgument(index)]))
                    commands.append(("INCR", [RESPArgument("key\(index)")]))
                }
                commands.append(("HGET", ["key0", "field"]))
                commands.append(("GET", ["key99"]))
                let replies = try await redis.pipeline(commands)
                #expect(replies.count == 202)
                for index in 0..<100 {
                    #expect(replies[2 * index] == .simpleString("OK"))
                    #expect(replies[2 * index + 1] == .integer(Int64(index + 1)))
                }
                #expect(replies[200].serverError?.hasPrefix("WRONGTYPE") == true)
                #expect(replies[201].string == "100")
                #expect(try await redis.pipeline([]).isEmpty)

                let transaction = try await redis.pipeline([
                    ("MULTI", []), ("INCR", ["tx"]), ("INCR", ["tx"]), ("EXEC", []),
                ])
                #expect(transaction.last == .array([.integer(1), .integer(2)]))
            }
        }
    }

    @Test func passwordAndDatabaseFromURL() async throws {
        try await withRedisServer(extraArguments: ["--requirepass", "p@ss word"]) { server in
            let url = "redis://:p%40ss%20word@127.0.0.1:\(server.port)/3"
            try await withClient(try RedisConfiguration(url: url)) { redis in
                try await redis.set("where", "db3")
                #expect(try await redis.send("CLIENT", ["INFO"]).string?.contains(" db=3 ") == true)
            }
            let wrong = try RedisConfiguration(url: "redis://:nope@127.0.0.1:\(server.port)")
            try await withClient(wrong) { redis in
                let error = await #expect(throws: RedisError.self) { try await redis.get("where") }
                #expect(error?.code == .connectionFailed)
                #expect(error?.message.contains("WRONGPASS") == true)
            }
            try await withClient(server.configuration()) { redis in
                let error = await #expect(throws: RedisError.self) { try await redis.get("where") }
                #expect(error?.serverErrorPrefix == "NOAUTH")
            }
        }
    }
}
