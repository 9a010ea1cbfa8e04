import Foundation
import Logging
import NIOCore
import NIOPosix
import RedisClient
import Synchronization
import TestServers

/// Runs `body` with a fresh server, stopped afterwards whatever happens.
func withRedisServer<T>(
    extraArguments: [String] = [],
    _ body: (RedisServer) async throws -> T
) async throws -> T {
    let server = try await RedisServer.launch(extraArguments: extraArguments)
    do {
        let result = try await body(server)
        await server.destroy()
        return result
    } catch {
        await server.destroy()
        throw error
    }
}

/// Runs `body` with a client of `server`, shut down afterwards whatever happens.
func withClient<T>(
    _ configuration: RedisConfiguration,
    _ body: (RedisClient) async throws -> T
) async throws -> T {
    let client = RedisClient(configuration: configuration, logger: testLogger)
    do {
        let result = try await body(client)
        await client.shutdown()
        return result
    } catch {
        await client.shutdown()
        throw error
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "RedisClientTests")
    logger.logLevel = .info
    return logger
}()

/// A TCP server on loopback standing in for a broken Redis: it answers every read with `reply`, or never answers.
func withFakeServer<T>(reply: String?, _ body: (Int) async throws -> T) async throws -> T {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .childChannelInitializer { child in
            child.eventLoop.makeCompletedFuture {
                try child.pipeline.syncOperations.addHandler(FakeRedisHandler(reply: reply))
            }
        }
        .bind(host: "127.0.0.1", port: 0).get()
    do {
        let result = try await body(channel.localAddress!.port!)
        try await channel.close()
        return result
    } catch {
        try? await channel.close()
        throw error
    }
}

private final class FakeRedisHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let reply: String?

    init(reply: String?) { self.reply = reply }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let reply else { return }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil)
    }
}

/// Repeats `attempt` until it returns a value, up to `tries` times; for waiting on a server coming back.
func eventually<T>(
    tries: Int = 500,
    _ attempt: () async throws -> T?
) async throws -> T {
    for _ in 0..<tries {
        if let value = try? await attempt() { return value }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TestSupportError("condition not met after \(tries) tries")
}
