import Foundation
import Logging
import ServiceLifecycle

/// Closes abandoned sessions: every process runs one; a session is claimed by the first update
/// that closes it, so two sweepers never record it twice.
public struct LiveSweeper: Service {
    let service: LiveService
    /// Returns once the schema is migrated.
    let ready: @Sendable () async -> Void

    public init(service: LiveService, ready: @escaping @Sendable () async -> Void) {
        self.service = service
        self.ready = ready
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await ready() }
        let interval = min(60, max(1, service.configuration.abandonAfter / 4))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await service.closeAbandoned()
            } catch {
                service.logger.warning(
                    "abandoned live sessions not swept", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
    }
}
