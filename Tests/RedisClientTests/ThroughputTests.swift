import Foundation
import TestServers
import Testing

@testable import RedisClient

/// Not a pass/fail check: prints publish throughput. Run it on a release build with
/// `REDIS_THROUGHPUT=1 swift test -c release --filter ThroughputTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["REDIS_THROUGHPUT"] != nil), .timeLimit(.minutes(5)))
struct ThroughputTests {
    @Test func concurrentPublishers() async throws {
        let publishers = 8
        let perPublisher = 25_000
        let payload = RESPArgument(
            Array(#"{"device":"d-1234","lat":52.520008,"lon":13.404954,"ele":34.5,"t":1764432000123}"#.utf8)
        )
        try await withRedisServer { server in
            try await withClient(server.configuration()) { publisher in
                try await withClient(server.configuration()) { spectator in
                    let subscription = try await spectator.subscribe(to: ["gps.bench"])
                    let received = Task {
                        var count = 0
                        for await _ in subscription.prefix(publishers * perPublisher) { count += 1 }
                        return count
                    }
                    let elapsed = try await ContinuousClock().measure {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for _ in 0..<publishers {
                                group.addTask {
                                    for _ in 0..<perPublisher {
                                        try await publisher.publish("gps.bench", payload)
                                    }
                                }
                            }
                            try await group.waitForAll()
                        }
                    }
                    let total = publishers * perPublisher
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    print("published \(total) in \(elapsed): \(Int(Double(total) / seconds)) publishes/s")
                    #expect(await received.value == total)
                }
            }
        }
    }
}
