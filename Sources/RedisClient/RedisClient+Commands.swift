/// A sorted-set member with its score, as returned by ``RedisClient/zrevrangeWithScores(_:_:_:)``.
public struct RedisSortedSetEntry: Sendable, Equatable {
    public var member: String
    public var score: Double

    public init(member: String, score: Double) {
        self.member = member
        self.score = score
    }
}

extension RedisClient {
    /// GET as text; nil if the key doesn't exist. Use `send("GET", [key])` for binary values.
    public func get(_ key: String) async throws -> String? {
        try await send("GET", [RESPArgument(key)]).string
    }

    /// SET, with an expiry (PX, whole milliseconds rounded up) if given.
    public func set(_ key: String, _ value: RESPArgument, expiry: Duration? = nil) async throws {
        var arguments = [RESPArgument(key), value]
        if let expiry {
            arguments += ["PX", RESPArgument(Self.milliseconds(expiry))]
        }
        _ = try await send("SET", arguments)
    }

    /// DEL; returns how many of the keys existed.
    @discardableResult
    public func del(_ keys: String...) async throws -> Int {
        try await integer("DEL", keys.map { RESPArgument($0) })
    }

    public func incr(_ key: String) async throws -> Int64 {
        Int64(try await integer("INCR", [RESPArgument(key)]))
    }

    public func incrBy(_ key: String, _ increment: Int64) async throws -> Int64 {
        Int64(try await integer("INCRBY", [RESPArgument(key), RESPArgument(Int(increment))]))
    }

    /// PEXPIRE (whole milliseconds rounded up); false if the key doesn't exist.
    @discardableResult
    public func expire(_ key: String, _ ttl: Duration) async throws -> Bool {
        try await integer("PEXPIRE", [RESPArgument(key), RESPArgument(Self.milliseconds(ttl))]) == 1
    }

    /// PUBLISH; returns how many subscribers (across all Redis clients) received the message.
    @discardableResult
    public func publish(_ channel: String, _ message: RESPArgument) async throws -> Int {
        try await integer("PUBLISH", [RESPArgument(channel), message])
    }

    /// ZADD of one member; true if it was added, false if it existed and only its score was updated.
    @discardableResult
    public func zadd(_ key: String, score: Double, member: String) async throws -> Bool {
        try await integer("ZADD", [RESPArgument(key), RESPArgument(score), RESPArgument(member)]) == 1
    }

    /// ZINCRBY; returns the member's new score.
    @discardableResult
    public func zincrby(_ key: String, _ increment: Double, member: String) async throws -> Double {
        let reply = try await send("ZINCRBY", [RESPArgument(key), RESPArgument(increment), RESPArgument(member)])
        return try Self.expect(reply.double, "ZINCRBY", reply)
    }

    /// ZREVRANGE … WITHSCORES: members from highest to lowest score, by rank (0-based, negative from the end).
    public func zrevrangeWithScores(_ key: String, _ start: Int, _ stop: Int) async throws -> [RedisSortedSetEntry] {
        let reply = try await send(
            "ZREVRANGE",
            [RESPArgument(key), RESPArgument(start), RESPArgument(stop), "WITHSCORES"]
        )
        let elements = try Self.expect(reply.array, "ZREVRANGE", reply)
        // RESP2 flattens pairs; RESP3 nests them.
        let flat = elements.flatMap { $0.array ?? [$0] }
        return try stride(from: 0, to: flat.count - 1, by: 2).map { index in
            guard let member = flat[index].string, let score = flat[index + 1].double else {
                throw Self.unexpected("ZREVRANGE", reply)
            }
            return RedisSortedSetEntry(member: member, score: score)
        }
    }

    /// ZREVRANK: the 0-based rank from the highest score; nil if the member isn't in the set.
    public func zrevrank(_ key: String, _ member: String) async throws -> Int? {
        try await send("ZREVRANK", [RESPArgument(key), RESPArgument(member)]).int.map { Int($0) }
    }

    /// ZSCORE; nil if the member isn't in the set.
    public func zscore(_ key: String, _ member: String) async throws -> Double? {
        try await send("ZSCORE", [RESPArgument(key), RESPArgument(member)]).double
    }

    /// EVAL: runs a Lua script atomically. ``eval(_:keys:arguments:)-(RedisScript,_,_)`` saves resending it.
    public func eval(_ script: String, keys: [String] = [], arguments: [RESPArgument] = []) async throws -> RESPValue {
        try await send("EVAL", Self.scriptArguments(RESPArgument(script), keys, arguments))
    }

    /// EVALSHA: runs a script Redis has cached; fails with a `NOSCRIPT` server error if it hasn't.
    public func evalsha(_ sha1: String, keys: [String] = [], arguments: [RESPArgument] = []) async throws -> RESPValue {
        try await send("EVALSHA", Self.scriptArguments(RESPArgument(sha1), keys, arguments))
    }

    /// Runs a script by its SHA-1, sending its source only if Redis doesn't have it cached (first use, restart).
    public func eval(_ script: RedisScript, keys: [String] = [], arguments: [RESPArgument] = []) async throws
        -> RESPValue
    {
        do {
            return try await evalsha(script.sha1, keys: keys, arguments: arguments)
        } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" {
            return try await eval(script.source, keys: keys, arguments: arguments)
        }
    }

    private func integer(_ command: String, _ arguments: [RESPArgument]) async throws -> Int {
        let reply = try await send(command, arguments)
        guard case .integer(let value) = reply else { throw Self.unexpected(command, reply) }
        return Int(value)
    }

    private static func expect<T>(_ value: T?, _ command: String, _ reply: RESPValue) throws -> T {
        guard let value else { throw unexpected(command, reply) }
        return value
    }

    private static func unexpected(_ command: String, _ reply: RESPValue) -> RedisError {
        RedisError(code: .protocolError, message: "unexpected reply to \(command): \(reply)")
    }

    private static func scriptArguments(
        _ script: RESPArgument,
        _ keys: [String],
        _ arguments: [RESPArgument]
    ) -> [RESPArgument] {
        [script, RESPArgument(keys.count)] + keys.map { RESPArgument($0) } + arguments
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
