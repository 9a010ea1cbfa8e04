import EventLog
import Foundation
import HTTPAPI
import Hummingbird
import Persistence
import Prometheus

/// Liveness, readiness and Prometheus metrics, outside the versioned API.
struct OperationsRoutes: Sendable {
    let database: any Database
    let metrics: PrometheusCollectorRegistry
    /// The relay's health and how long it may go without reaching Kafka, when this process relays.
    let relayHealth: (KafkaRelayHealth, Duration)?

    struct Health: Encodable {
        var status: String
        var version: String
    }

    func add(to router: Router<APIRequestContext>) {
        router.get("health/live") { _, _ in
            try Response.json(Health(status: "ok", version: staminaVersion))
        }
        router.get("health/ready") { _, context in
            do {
                _ = try await withTimeout(seconds: 2) {
                    try await database.read { try await $0.query("SELECT 1") }
                }
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
                throw Problem.unavailable("The database does not answer.")
            }
            if let (health, limit) = relayHealth, !health.isHealthy(within: limit) {
                throw Problem.unavailable("The outbox relay has not reached Kafka for more than \(limit).")
            }
            return try Response.json(Health(status: "ready", version: staminaVersion))
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
    }
}

/// Runs `operation`, failing with `CancellationError` when it takes longer than `seconds`.
func withTimeout<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw CancellationError()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
