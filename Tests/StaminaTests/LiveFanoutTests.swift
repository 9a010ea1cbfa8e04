import Foundation
import Logging
import NIOCore
import RedisClient
import ServiceLifecycle
import TestServers
import Testing

@testable import Live

/// Fan-out through a real Redis between two hubs, as between two server processes.
@Suite("Live fan-out through Redis", .timeLimit(.minutes(1)))
struct LiveFanoutTests {
    @Test("broadcasts survive the wire format, empty payloads included")
    func codec() {
        var buffer = ByteBuffer()
        let id = UUID()
        RedisFanout.encode(.watching, sessionID: id, into: &buffer)
        RedisFanout.encode(.state(frame: "x"), sessionID: id, into: &buffer)
        let decoded = RedisFanout.decode(Array(buffer.readableBytesView))
        #expect(decoded.map(\.1) == [.watching, .state(frame: "x")])
    }

    @Test("broadcasts of a watched session reach the other process; unwatched ones are not sent")
    func watchedSessionsOnly() async throws {
        let redis = try await RedisServer.launch()
        let logger = Logger(label: "test.fanout")
        let clients = [
            RedisClient(configuration: redis.configuration(), logger: logger),
            RedisClient(configuration: redis.configuration(), logger: logger),
        ]
        let hubs = [LiveHub(), LiveHub()]
        let fanouts = (0..<2).map {
            RedisFanout(redis: clients[$0], hub: hubs[$0], channel: "test.live", logger: logger)
        }
        let watched = UUID()
        try await withThrowingDiscardingTaskGroup { group in
            for fanout in fanouts { group.addTask { try await fanout.run() } }
            try await Task.sleep(for: .milliseconds(200))  // both subscribed
            #expect(!fanouts[0].mayHaveWatchers(watched))
            let stream = hubs[1].watch(watched).broadcasts
            fanouts[1].watching(watched)
            let deadline = ContinuousClock.now + .seconds(5)
            while !fanouts[0].mayHaveWatchers(watched), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(fanouts[0].mayHaveWatchers(watched), "the announcement reached the other process")
            #expect(!fanouts[0].mayHaveWatchers(UUID()))
            fanouts[0].publish(.points(afterSeq: 0, lastSeq: 2, frame: #"{"type":"points"}"#), to: watched)
            var iterator = stream.makeAsyncIterator()
            #expect(await iterator.next() == .points(afterSeq: 0, lastSeq: 2, frame: #"{"type":"points"}"#))
            group.cancelAll()
        }
        for client in clients { await client.shutdown() }
        await redis.destroy()
    }
}
