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
    /// The connection's channel: frames are written to it directly (see ``send(_:)``).
    let channel: any Channel
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

    /// Writes a text frame straight to the channel, one hop to its event loop, rather than through the
    /// stream's writer and its actor. Closing still goes through the writer, after what was sent here.
    private func send(_ text: String) {
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)), promise: nil)
    }

    private func forward(_ broadcasts: AsyncStream<LiveBroadcast>) async throws {
        let snapshot = try await service.snapshot(of: session)
        send(snapshot.frame)
        guard session.state.isOpen else {
            let ended = ServerFrame.Finished(type: session.state.rawValue, activityId: session.activityID)
            send(ServerFrame.text(ended))
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
                        send(ServerFrame.points(missed, metrics: nil))
                    }
                }
                send(frame)
                lastSeq = last
            case .state(let frame):
                send(frame)
            case .ended(let frame):
                send(frame)
                try await outbound.close(.normalClosure, reason: nil)
                return
            case .watching:
                continue
            case .revoked(let revoked):
                guard revoked == shareID else { continue }
                send(ServerFrame.text(ServerFrame.Revoked()))
                try await outbound.close(Self.revokedCode, reason: "share link revoked")
                return
            }
        }
    }
}
