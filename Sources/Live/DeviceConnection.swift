import ActivityFiles
import Dispatch
import Foundation
import HTTPAPI
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore
import NIOWebSocket

/// One device socket: reads `start`/`points`/`pause`/`resume`/`finish` in order and answers each,
/// acking points only once they are durable.
struct DeviceConnection {
    let service: LiveService
    let identity: Identity
    let outbound: WebSocketOutboundWriter
    let configuration: LiveConfiguration
    private var opened: LiveService.Opened?
    private var lastMetrics = Date.distantPast
    /// When the device last sent a message: after a silence the sweeper may have closed the session.
    private var lastHeard = Date()

    init(service: LiveService, identity: Identity, outbound: WebSocketOutboundWriter, configuration: LiveConfiguration)
    {
        self.service = service
        self.identity = identity
        self.outbound = outbound
        self.configuration = configuration
    }

    /// Close codes beyond RFC 6455's, in the private range: the HTTP status they mirror + 4000.
    static let tokenExpiredCode = WebSocketErrorCode(codeNumber: 4401)
    /// RFC 6455's "try again later".
    static let tryAgainLaterCode = WebSocketErrorCode(codeNumber: 1013)
    /// Messages read but not yet handled, at most; a device that outruns the server this far is
    /// closed with 1013 (its unacked points are resent after the reconnect).
    static let maxQueuedMessages = 256

    mutating func run(inbound: WebSocketInboundStream) async {
        let connected = Meter(label: "stamina_live_devices")
        connected.increment()
        defer { connected.decrement() }
        let expiry = identity.expiresAt
        let outbound = outbound
        await withTaskGroup(of: Void.self) { group in
            if let expiry {
                // A silent device is told too when its token runs out.
                group.addTask {
                    try? await Task.sleep(for: .seconds(max(0, expiry.timeIntervalSinceNow)))
                    guard !Task.isCancelled else { return }
                    await Self.fail(
                        LiveError(.tokenExpired, "The access token expired: reconnect with a fresh one."),
                        code: Self.tokenExpiredCode, outbound: outbound)
                }
            }
            // The socket is read on its own, so pings are answered while a message waits for storage.
            let (queue, queued) = AsyncStream.makeStream(
                of: WebSocketMessage.self, bufferingPolicy: .bufferingOldest(Self.maxQueuedMessages))
            let maxFrameSize = configuration.maxFrameSize
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: maxFrameSize) {
                        if case .dropped = queued.yield(message) {
                            await Self.fail(
                                LiveError(
                                    .unavailable, "Too many messages waiting: reconnect and resend what is unacked."),
                                code: Self.tryAgainLaterCode, outbound: outbound)
                            break
                        }
                    }
                } catch {}
                queued.finish()
            }
            await self.handleMessages(queue)
            group.cancelAll()
        }
    }

    private mutating func handleMessages(_ queue: AsyncStream<WebSocketMessage>) async {
        do {
            for await message in queue {
                guard case .text(let text) = message else {
                    await Self.fail(
                        LiveError(.unsupportedFrame, "Send JSON text frames."), code: .unacceptableData,
                        outbound: outbound)
                    return
                }
                if let expiry = identity.expiresAt, expiry <= Date() {
                    await Self.fail(
                        LiveError(.tokenExpired, "The access token expired: reconnect with a fresh one."),
                        code: Self.tokenExpiredCode, outbound: outbound)
                    return
                }
                guard try await handle(text) else { return }
            }
        } catch let error as LiveError {
            await Self.fail(error, code: .unexpectedServerError, outbound: outbound)
        } catch {
            service.logger.debug("device stream ended", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Handles one message; false once the connection is done (finished).
    private mutating func handle(_ text: String) async throws -> Bool {
        let message: DeviceMessage
        if let points = PointsMessageParser.points(text) {
            message = DeviceMessage(type: "points", points: points)
        } else {
            do {
                message = try JSONCoding.decoder.decode(DeviceMessage.self, from: Data(text.utf8))
            } catch {
                try await send(ServerFrame.ErrorFrame(LiveError(.invalidMessage, Self.describe(error))))
                return true
            }
        }
        if message.type == "start" {
            do {
                let opened = try await service.start(message, identity: identity)
                self.opened = opened
                try await send(
                    ServerFrame.Started(
                        sessionId: opened.session.id, resumed: opened.resumed, ackedSeq: opened.ackedSeq,
                        state: opened.session.state))
            } catch let error as LiveError {
                try await send(ServerFrame.ErrorFrame(error))
            }
            return true
        }
        guard ["points", "pause", "resume", "finish"].contains(message.type) else {
            try await send(
                ServerFrame.ErrorFrame(
                    LiveError(
                        .invalidMessage, "Unknown type \"\(message.type)\": start, points, pause, resume, finish.")
                ))
            return true
        }
        let silence = Date().timeIntervalSince(lastHeard)
        lastHeard = Date()
        if let session = opened?.session, silence >= service.configuration.abandonAfter * 0.9,
            let closed = try await service.closedError(session.id)
        {
            self.opened = nil
            try await send(ServerFrame.ErrorFrame(closed))
            return true
        }
        guard var opened else {
            try await send(ServerFrame.ErrorFrame(LiveError(.notStarted, "Send start first.")))
            return true
        }
        defer { self.opened = opened }
        do {
            switch message.type {
            case "points":
                guard let wire = message.points, !wire.isEmpty else {
                    throw LiveError(.invalidMessage, "points needs a non-empty points array.")
                }
                let points = try service.newPoints(wire, after: opened).get()
                let started = DispatchTime.now()
                do {
                    try await service.append(points, to: &opened)
                    Timer(label: "stamina_live_durable_seconds").recordInterval(since: started)
                } catch let error as LiveError {
                    throw error
                } catch {
                    throw LiveError(.unavailable, "The points could not be stored; resend them after reconnecting.")
                }
                let now = Date()
                var metrics: LiveMetrics?
                if now.timeIntervalSince(lastMetrics) >= configuration.metricsInterval * 0.95 {
                    metrics = opened.tracker.metrics
                    lastMetrics = now
                }
                try await outbound.write(.text(ServerFrame.ack(opened.ackedSeq, metrics: metrics)))
            case "pause", "resume":
                guard let time = message.time else { throw LiveError(.invalidMessage, "\(message.type) needs time.") }
                try await service.timer(message.type == "pause" ? .stop : .start, at: time, opened: &opened)
                try await send(ServerFrame.Metrics(metrics: opened.tracker.metrics))
            default:
                let id = try await service.close(
                    opened.session, as: .finished, at: message.time ?? opened.lastTime, name: message.name,
                    through: opened.ackedSeq)
                try await send(ServerFrame.Finished(activityId: id))
                try await outbound.close(.normalClosure, reason: "finished")
                return false
            }
        } catch let error as LiveError where error.code != .unavailable {
            try await send(ServerFrame.ErrorFrame(error))
        }
        return true
    }

    private func send(_ frame: some Encodable) async throws {
        try await outbound.write(.text(ServerFrame.text(frame)))
    }

    /// Sends the error frame and closes with `code`.
    static func fail(_ error: LiveError, code: WebSocketErrorCode, outbound: WebSocketOutboundWriter) async {
        try? await outbound.write(.text(ServerFrame.text(ServerFrame.ErrorFrame(error))))
        try? await outbound.close(code, reason: error.code.rawValue)
    }

    /// A decoding error in a sentence naming the field.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "The message is not JSON." }
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
            return path.isEmpty ? "the message" : path
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "the message" ? "" : parent + "/")\(key.stringValue) is required."
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)) has the wrong type."
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "The message is not JSON." : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "The message is malformed."
        }
    }
}
