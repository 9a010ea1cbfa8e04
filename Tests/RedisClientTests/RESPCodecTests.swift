import NIOCore
import NIOEmbedded
import Testing

@testable import RedisClient

@Suite struct RESPDecoderTests {
    /// Feeds `input` in chunks of `chunkSize` bytes through the real pipeline handler and collects the values.
    func decode(_ input: [UInt8], chunkSize: Int) throws -> [RESPValue] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        defer { _ = try? channel.finish() }
        var values: [RESPValue] = []
        for start in stride(from: 0, to: input.count, by: chunkSize) {
            try channel.writeInbound(ByteBuffer(bytes: input[start..<min(start + chunkSize, input.count)]))
            while let value = try channel.readInbound(as: RESPValue.self) {
                values.append(value)
            }
        }
        return values
    }

    func decodeWholeAndByteByByte(_ input: String) throws -> [RESPValue] {
        let bytes = Array(input.utf8)
        let whole = try decode(bytes, chunkSize: bytes.count)
        #expect(try decode(bytes, chunkSize: 1) == whole)
        #expect(try decode(bytes, chunkSize: 3) == whole)
        return whole
    }

    @Test func resp2Types() throws {
        let input =
            "+OK\r\n-ERR bad thing\r\n:-42\r\n:9223372036854775807\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n"
            + "$4\r\na\r\nb\r\n*-1\r\n*0\r\n*3\r\n*2\r\n:1\r\n$1\r\na\r\n*1\r\n+x\r\n$-1\r\n"
        #expect(
            try decodeWholeAndByteByByte(input) == [
                .simpleString("OK"),
                .error("ERR bad thing"),
                .integer(-42),
                .integer(.max),
                .bulkString(Array("hello".utf8)),
                .bulkString(nil),
                .bulkString([]),
                .bulkString(Array("a\r\nb".utf8)),
                .array(nil),
                .array([]),
                .array([
                    .array([.integer(1), .bulkString([UInt8(ascii: "a")])]),
                    .array([.simpleString("x")]),
                    .bulkString(nil),
                ]),
            ]
        )
    }

    @Test func resp3TypesAreMappedOntoRESP2() throws {
        let input =
            "_\r\n#t\r\n#f\r\n,3.25\r\n(3492890328409238509324850943850943825024385\r\n=8\r\ntxt:abcd\r\n"
            + "!9\r\nERR oops!\r\n%1\r\n+key\r\n:1\r\n~2\r\n:1\r\n:2\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\np\r\n"
            + "|1\r\n+ttl\r\n:3\r\n+value\r\n"
        #expect(
            try decodeWholeAndByteByByte(input) == [
                .bulkString(nil),
                .integer(1),
                .integer(0),
                .bulkString(Array("3.25".utf8)),
                .bulkString(Array("3492890328409238509324850943850943825024385".utf8)),
                .bulkString(Array("abcd".utf8)),
                .error("ERR oops!"),
                .array([.simpleString("key"), .integer(1)]),
                .array([.integer(1), .integer(2)]),
                .array([.bulkString(Array("message".utf8)), .bulkString(Array("ch".utf8)), .bulkString([112])]),
                .simpleString("value"),
            ]
        )
    }

    @Test func largeBulkStringInManyReads() throws {
        let payload = (0..<1_500_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frame = Array("$\(payload.count)\r\n".utf8) + payload + Array("\r\n:7\r\n".utf8)
        let expected: [RESPValue] = [.bulkString(payload), .integer(7)]
        #expect(try decode(frame, chunkSize: 65_536) == expected)
        #expect(try decode(frame, chunkSize: 1_000) == expected)
        #expect(try decode(frame, chunkSize: frame.count) == expected)
    }

    @Test(arguments: [
        "?what\r\n",
        "$abc\r\n",
        "$-2\r\n",
        "$3\r\nabcde\r\n",
        ":12a\r\n",
        ":\r\n",
        ":99999999999999999999\r\n",
        "+OK\rX",
        "*-5\r\n",
        "#x\r\n",
        "_x\r\n",
    ])
    func garbageIsAProtocolError(_ input: String) throws {
        try expectProtocolError(input)
    }

    @Test func absurdNestingAndEndlessLinesAreProtocolErrors() throws {
        try expectProtocolError(String(repeating: "*1\r\n", count: 100) + ":1\r\n")
        try expectProtocolError("+" + String(repeating: "a", count: 70_000))
    }

    func expectProtocolError(_ input: String) throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        defer { _ = try? channel.finish() }
        let error = #expect(throws: RedisError.self) {
            try channel.writeInbound(ByteBuffer(string: input))
        }
        #expect(error?.code == .protocolError)
    }

    @Test func pubSubPushes() {
        let message = RESPValue.array([.bulkString(Array("message".utf8)), .bulkString([99]), .bulkString([1, 2])])
        #expect(RedisPubSubMessage(push: message) == RedisPubSubMessage(channel: "c", payload: [1, 2]))
        let pmessage = RESPValue.array([
            .bulkString(Array("pmessage".utf8)), .bulkString(Array("c*".utf8)), .bulkString([99]), .bulkString([3]),
        ])
        #expect(RedisPubSubMessage(push: pmessage) == RedisPubSubMessage(channel: "c", pattern: "c*", payload: [3]))
        let confirmation = RESPValue.array([.bulkString(Array("subscribe".utf8)), .bulkString([99]), .integer(1)])
        #expect(RedisPubSubMessage(push: confirmation) == nil)
        #expect(RedisPubSubMessage(push: .simpleString("message")) == nil)
    }
}

@Suite struct RESPEncoderTests {
    @Test func commandsAreArraysOfBulkStrings() throws {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(RESPEncoder()))
        defer { _ = try? channel.finish() }
        let command = RESPCommand(
            name: "ZADD", arguments: ["board", RESPArgument(2.5), RESPArgument([0, 13, 10]), 42])
        try channel.writeOutbound(command)
        let bytes = try channel.readOutbound(as: ByteBuffer.self)
        #expect(
            bytes.map { String(buffer: $0) }
                == "*5\r\n$4\r\nZADD\r\n$5\r\nboard\r\n$3\r\n2.5\r\n$3\r\n\0\r\n\r\n$2\r\n42\r\n"
        )
    }
}

@Suite struct ConfigurationTests {
    @Test func fullURL() throws {
        let configuration = try RedisConfiguration(url: "redis://:s%40cret@cache.internal:6380/2")
        #expect(configuration.host == "cache.internal")
        #expect(configuration.port == 6380)
        #expect(configuration.database == 2)
        #expect(configuration.password == "s@cret")
        #expect(configuration.username == nil)
        #expect(configuration.poolSize == 4)
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.commandTimeout == .seconds(5))
    }

    @Test func minimalAndIPv6URLs() throws {
        let minimal = try RedisConfiguration(url: "redis://localhost")
        #expect(minimal.host == "localhost" && minimal.port == 6379 && minimal.database == 0)
        #expect(minimal.password == nil)
        let ipv6 = try RedisConfiguration(url: "redis://app:pw@[::1]:7000/")
        #expect(ipv6.host == "::1" && ipv6.port == 7000 && ipv6.database == 0)
        #expect(ipv6.username == "app" && ipv6.password == "pw")
    }

    @Test(arguments: [
        "http://localhost", "redis://", "redis://host:0", "redis://host:99999", "redis://host/x", "redis://h/%zz",
    ])
    func invalidURLs(_ url: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .invalidConfiguration)
    }
}

@Suite struct RedisScriptTests {
    @Test func sha1KnownAnswers() {
        #expect(RedisScript("").sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(RedisScript("abc").sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(
            RedisScript("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").sha1
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        )
    }
}
