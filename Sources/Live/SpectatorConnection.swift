import Foundation
import Geo
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore
import NIOWebSocket

/// One spectator socket: the track so far, then every broadcast of the session, in seq order
/// (a broadcast missed in transit is filled in from the database).
struct SpectatorConnection {
    let service: LiveService
    let session: LiveSession
    /// The share link that let the spectator in, if one did.
    let shareID: UUID?
    let outbound: WebSocketOutboundWriter
    let logger: Logger

    static let revokedCode = WebSocketErrorCode(codeNumber: 4403)

    func run(inbound: WebSocketInboundStream) async {
        let connected = Meter(label: "stamina_live_spectators")
        connected.increment()
        defer { connected.decrement() }
        let (token, broadcasts) = service.hub.watch(session.id)
        defer { service.hub.unwatch(session.id, token: token) }
        service.fanout.watching(session.id)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Spectators only listen; reading keeps pings answered and notices the close.
                do {
                    for try await _ in inbound.messages(maxSize: service.configuration.maxFrameSize) {}
                } catch {}
            }
            group.addTask {
                do {
                    try await forward(broadcasts)
                } catch {
                    logger.debug("spectator stream ended", metadata: ["error": "\(String(reflecting: error))"])
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func forward(_ broadcasts: AsyncStream<LiveBroadcast>) async throws {
        let snapshot = try await service.snapshot(of: session)
        try await outbound.write(.text(snapshot.frame))
        guard session.state.isOpen else {
            let ended = ServerFrame.Finished(type: session.state.rawValue, activityId: session.activityID)
            try await outbound.write(.text(ServerFrame.text(ended)))
            try await outbound.close(.normalClosure, reason: nil)
            return
        }
        var lastSeq = snapshot.lastSeq
        for await broadcast in broadcasts {
            switch broadcast {
            case .points(let after, let last, let frame):
                guard last > lastSeq else { continue }
                if after > lastSeq {
                    // Points that came before this spectator listened, or whose broadcast was lost.
                    let missed = try await service.points(
                        of: session, after: lastSeq, through: after, zones: snapshot.zones)
                    if !missed.isEmpty {
                        try await outbound.write(.text(ServerFrame.text(ServerFrame.Points(points: missed))))
                    }
                }
                try await outbound.write(.text(frame))
                lastSeq = last
            case .state(let frame):
                try await outbound.write(.text(frame))
            case .ended(let frame):
                try await outbound.write(.text(frame))
                try await outbound.close(.normalClosure, reason: nil)
                return
            case .watching:
                continue
            case .revoked(let revoked):
                guard revoked == shareID else { continue }
                try await outbound.write(.text(ServerFrame.text(ServerFrame.Revoked())))
                try await outbound.close(Self.revokedCode, reason: "share link revoked")
                return
            }
        }
    }
}
