import Foundation
import Logging
import NIOCore
import RedisClient
import ServiceLifecycle
import Synchronization

/// What reaches the spectators of a session: frames already encoded once by the process that holds
/// the device, so fan-out never re-encodes.
public enum LiveBroadcast: Sendable, Equatable {
    /// New points, up to `lastSeq`, with the metrics. `afterSeq` is the seq the device had acked
    /// before them: a spectator that has less missed some.
    case points(afterSeq: Int64, lastSeq: Int64, frame: String)
    /// Paused or resumed.
    case state(frame: String)
    /// Finished or abandoned: the last frame before the sockets close.
    case ended(frame: String)
    /// A share link was revoked: its holders are disconnected.
    case revoked(shareID: UUID)
    /// Someone watches the session (from another process): its device should broadcast.
    case watching
}

/// The spectators connected to this process, by session.
public final class LiveHub: Sendable {
    private let watchers = Mutex<[UUID: [UUID: AsyncStream<LiveBroadcast>.Continuation]]>([:])

    public init() {}

    /// Starts receiving the session's broadcasts; call ``unwatch(_:token:)`` when done.
    public func watch(_ sessionID: UUID) -> (token: UUID, broadcasts: AsyncStream<LiveBroadcast>) {
        // A spectator that cannot keep up loses the oldest frames rather than growing memory.
        let (stream, continuation) = AsyncStream.makeStream(
            of: LiveBroadcast.self, bufferingPolicy: .bufferingNewest(256))
        let token = UUID()
        watchers.withLock { $0[sessionID, default: [:]][token] = continuation }
        return (token, stream)
    }

    public func unwatch(_ sessionID: UUID, token: UUID) {
        let continuation = watchers.withLock { watchers in
            let continuation = watchers[sessionID]?.removeValue(forKey: token)
            if watchers[sessionID]?.isEmpty == true { watchers[sessionID] = nil }
            return continuation
        }
        continuation?.finish()
    }

    /// Whether anyone in this process watches the session.
    func isWatched(_ sessionID: UUID) -> Bool {
        watchers.withLock { $0[sessionID] != nil }
    }

    /// The sessions watched in this process.
    var watched: [UUID] { watchers.withLock { Array($0.keys) } }

    func deliver(_ broadcast: LiveBroadcast, to sessionID: UUID) {
        let targets = watchers.withLock { $0[sessionID].map { Array($0.values) } ?? [] }
        for target in targets { target.yield(broadcast) }
    }
}

/// Carries broadcasts from the process holding a device to the processes holding its spectators.
public protocol LiveFanout: Sendable {
    /// Sends without waiting: live fan-out is best effort (spectators fill gaps from the database).
    func publish(_ broadcast: LiveBroadcast, to sessionID: UUID)
    /// Whether a broadcast for this session may reach anyone (false lets a device skip encoding it).
    func mayHaveWatchers(_ sessionID: UUID) -> Bool
    /// A spectator in this process started watching the session.
    func watching(_ sessionID: UUID)
}

/// Fan-out within one process, for the embedded mode.
public struct LocalFanout: LiveFanout {
    let hub: LiveHub

    public init(hub: LiveHub) {
        self.hub = hub
    }

    public func publish(_ broadcast: LiveBroadcast, to sessionID: UUID) {
        hub.deliver(broadcast, to: sessionID)
    }

    public func mayHaveWatchers(_ sessionID: UUID) -> Bool { hub.isWatched(sessionID) }

    public func watching(_ sessionID: UUID) {}
}

/// Fan-out through Redis pub/sub, for several server processes: every process subscribes to one
/// channel and hands each broadcast to its own spectators. Broadcasts are gathered while a PUBLISH
/// is in flight and sent together in the next one, so the number of Redis commands follows the
/// flush rate, not the number of sessions.
///
/// Devices broadcast only sessions someone watches: a process announces its watched sessions on the
/// channel when a spectator arrives and every ``announceInterval``, and the others remember each
/// announcement for three intervals. A point sent before the announcement arrived reaches the
/// spectator anyway: the snapshot or the gap fill reads it from the database.
public final class RedisFanout: LiveFanout, Service {
    let redis: RedisClient
    let hub: LiveHub
    let channel: String
    let logger: Logger
    private let outgoing = Mutex<ByteBuffer>(ByteBuffer())
    /// Sessions watched in other processes, with when that was last announced.
    private let announced = Mutex<[UUID: ContinuousClock.Instant]>([:])
    static let announceInterval = Duration.seconds(10)
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    public init(redis: RedisClient, hub: LiveHub, channel: String, logger: Logger) {
        self.redis = redis
        self.hub = hub
        self.channel = channel
        self.logger = logger
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func publish(_ broadcast: LiveBroadcast, to sessionID: UUID) {
        outgoing.withLock { Self.encode(broadcast, sessionID: sessionID, into: &$0) }
        wake.yield()
    }

    public func mayHaveWatchers(_ sessionID: UUID) -> Bool {
        if hub.isWatched(sessionID) { return true }
        let horizon = ContinuousClock.now - Self.announceInterval * 3
        return announced.withLock { $0[sessionID].map { $0 > horizon } ?? false }
    }

    public func watching(_ sessionID: UUID) {
        publish(.watching, to: sessionID)
    }

    public func run() async throws {
        let subscription = try await redis.subscribe(to: [channel])
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await message in subscription.cancelOnGracefulShutdown() {
                    for (sessionID, broadcast) in Self.decode(message.payload) {
                        if broadcast == .watching {
                            self.announced.withLock { $0[sessionID] = .now }
                        } else if self.hub.isWatched(sessionID) {
                            self.hub.deliver(broadcast, to: sessionID)
                        }
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.announceInterval) }
                    if Task.isShuttingDownGracefully { return }
                    for sessionID in self.hub.watched { self.publish(.watching, to: sessionID) }
                    let horizon = ContinuousClock.now - Self.announceInterval * 3
                    self.announced.withLock { $0 = $0.filter { $0.value > horizon } }
                }
            }
            group.addTask {
                for await _ in self.wakes.cancelOnGracefulShutdown() {
                    let payload = self.outgoing.withLock { buffer in
                        defer { buffer.clear() }
                        return Array(buffer.readableBytesView)
                    }
                    guard !payload.isEmpty else { continue }
                    do {
                        _ = try await self.redis.publish(self.channel, RESPArgument(payload))
                    } catch {
                        // Spectators notice the gap by seq and read the missing points from the database.
                        self.logger.warning(
                            "live fan-out publish failed", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
            }
        }
    }

    /// One broadcast: kind (1 byte), session id (16), after and last seq (8 + 8), length (4), payload.
    static func encode(_ broadcast: LiveBroadcast, sessionID: UUID, into buffer: inout ByteBuffer) {
        let (kind, after, last, payload): (UInt8, Int64, Int64, String) =
            switch broadcast {
            case .points(let after, let last, let frame): (1, after, last, frame)
            case .state(let frame): (2, 0, 0, frame)
            case .ended(let frame): (3, 0, 0, frame)
            case .revoked(let shareID): (4, 0, 0, shareID.uuidString)
            case .watching: (5, 0, 0, "")
            }
        buffer.writeInteger(kind)
        withUnsafeBytes(of: sessionID.uuid) { _ = buffer.writeBytes($0) }
        buffer.writeInteger(after)
        buffer.writeInteger(last)
        buffer.writeInteger(UInt32(payload.utf8.count))
        buffer.writeString(payload)
    }

    /// The broadcasts of one message; a malformed tail is ignored.
    static func decode(_ bytes: [UInt8]) -> [(UUID, LiveBroadcast)] {
        var buffer = ByteBuffer(bytes: bytes)
        var result: [(UUID, LiveBroadcast)] = []
        while let kind = buffer.readInteger(as: UInt8.self), let raw = buffer.readBytes(length: 16),
            let after = buffer.readInteger(as: Int64.self), let last = buffer.readInteger(as: Int64.self),
            let length = buffer.readInteger(as: UInt32.self),
            // NIO reads an empty string as nil.
            let payload = length == 0 ? "" : buffer.readString(length: Int(length))
        {
            let sessionID = UUID(
                uuid: (
                    raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10], raw[11],
                    raw[12], raw[13], raw[14], raw[15]
                ))
            switch kind {
            case 1: result.append((sessionID, .points(afterSeq: after, lastSeq: last, frame: payload)))
            case 2: result.append((sessionID, .state(frame: payload)))
            case 3: result.append((sessionID, .ended(frame: payload)))
            case 4:
                if let shareID = UUID(uuidString: payload) { result.append((sessionID, .revoked(shareID: shareID))) }
            case 5: result.append((sessionID, .watching))
            default: return result
            }
        }
        return result
    }
}
