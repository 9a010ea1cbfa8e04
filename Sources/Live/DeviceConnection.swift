import ActivityFiles
import Dispatch
import Foundation
import HTTPAPI
import HummingbirdWebSocket
import Logging
import Metrics
import NIOCore
import NIOWebSocket

/// One device socket, run on its channel's event loop. It reads `start`/`points`/`pause`/`resume`/
/// `finish` in order and answers each, acking points only once they are durable.
///
/// It is a channel handler in front of the WebSocket's async stream, so that the common message, a
/// batch of points, costs no task and no thread hop: it is checked here, handed to the sink, and
/// acked from the sink's callback. A message that needs the database otherwise (start, pause,
/// finish) runs as a task while later messages wait their turn. Control frames (ping, pong, close)
/// go on to the async stream, which answers them.
///
/// Frames that reached the stream before this handler was in place come back through
/// ``Handle/received(_:)``, followed by the handover token this handler sent down the same stream:
/// only then does it handle what it read itself, so the order of messages is kept.
final class DeviceConnection: ChannelInboundHandler, RemovableChannelHandler {
    /// Made once (on first use, after the metrics backend is set up): a metric made per message cost
    /// a look-up under the backend's lock each time.
    static let durable = Timer(label: "stamina_live_durable_seconds")
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Close codes beyond RFC 6455's, in the private range: the HTTP status they mirror + 4000.
    static let tokenExpiredCode = WebSocketErrorCode(codeNumber: 4401)
    /// Sent, then closed with `tokenExpiredCode`, at the token's expiry or at a message after it.
    static let tokenExpired = LiveError(.tokenExpired, "The access token expired: reconnect with a fresh one.")
    /// RFC 6455's "try again later".
    static let tryAgainLaterCode = WebSocketErrorCode(codeNumber: 1013)
    /// Messages read but not yet handled, at most; a device that outruns the server this far is
    /// closed with 1013 (its unacked points are resent after the reconnect).
    static let maxQueuedMessages = 256

    private enum Input {
        case text(String)
        case binary
    }

    let service: LiveService
    let identity: Identity
    let outbound: WebSocketOutboundWriter
    let configuration: LiveConfiguration
    let handover: String
    private var context: ChannelHandlerContext?
    private var opened: LiveService.Opened?
    private var lastMetrics = Date.distantPast
    /// When the device last sent a message: after a silence the sweeper may have closed the session.
    private var lastHeard = Date()
    /// Messages the async stream read before this handler was in place, in order.
    private var early: [Input] = []
    private var handedOver = false
    private var queue = CircularBuffer<Input>()
    /// A message (a task, or points waiting for the sink) is in progress.
    private var busy = false
    /// The connection is closing or closed: nothing more is read or answered.
    private var closed = false
    /// The frames so far of a fragmented message.
    private var fragments: (opcode: WebSocketOpcode, data: ByteBuffer)?
    private var expiry: Scheduled<Void>?

    init(
        service: LiveService, identity: Identity, outbound: WebSocketOutboundWriter, configuration: LiveConfiguration,
        handover: String
    ) {
        self.service = service
        self.identity = identity
        self.outbound = outbound
        self.configuration = configuration
        self.handover = handover
    }

    /// The connection as the async side holds it.
    struct Handle: Sendable {
        let connection: NIOLoopBound<DeviceConnection>

        /// A message the async stream read: one from before the handler was in place, or the handover token.
        func received(_ message: WebSocketMessage) {
            let connection = connection
            connection.eventLoop.execute { connection.value.received(message) }
        }
    }

    /// Puts a connection in front of the upgraded channel's async stream.
    static func install(
        on channel: any Channel, service: LiveService, identity: Identity, outbound: WebSocketOutboundWriter,
        configuration: LiveConfiguration
    ) async throws -> Handle {
        let handover = "handover:" + UUID().uuidString
        return try await channel.eventLoop.submit {
            let connection = DeviceConnection(
                service: service, identity: identity, outbound: outbound, configuration: configuration,
                handover: handover)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(
                connection, position: .after(try pipeline.handler(type: WebSocketProtocolErrorHandler.self)))
            return Handle(connection: NIOLoopBound(connection, eventLoop: channel.eventLoop))
        }.get()
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        var token = context.channel.allocator.buffer(capacity: handover.utf8.count)
        token.writeString(handover)
        context.fireChannelRead(wrapInboundOut(WebSocketFrame(fin: true, opcode: .text, data: token)))
        // The stream's handler passes reads on at the end of a read burst only.
        context.fireChannelReadComplete()
        if let expiresAt = identity.expiresAt {
            // A silent device is told too when its token runs out.
            let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
            expiry = context.eventLoop.scheduleTask(
                in: .nanoseconds(Int64(max(0, expiresAt.timeIntervalSinceNow) * 1e9))
            ) {
                connection.value.fail(
                    Self.tokenExpired,
                    code: Self.tokenExpiredCode)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        expiry?.cancel()
        closed = true
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        expiry?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.reservedBits.isEmpty, [.text, .binary, .continuation].contains(frame.opcode) else {
            // Control frames, and frames the stream refuses (reserved bits), are the stream's.
            return context.fireChannelRead(data)
        }
        var payload = frame.unmaskedData
        guard frame.opcode == .continuation else {
            guard fragments == nil else { return close(.protocolError) }
            if frame.fin { return enqueue(Self.input(frame.opcode, payload)) }
            fragments = (frame.opcode, payload)
            return
        }
        // A message begun before the handler was in place cannot be continued here: rare enough to refuse.
        guard let (opcode, received) = fragments else { return close(.protocolError) }
        var data = received
        guard data.readableBytes + payload.readableBytes <= configuration.maxFrameSize else {
            return close(.messageTooLarge)
        }
        data.writeBuffer(&payload)
        fragments = frame.fin ? nil : (opcode, data)
        if frame.fin { enqueue(Self.input(opcode, data)) }
    }

    private static func input(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> Input {
        opcode == .text ? .text(String(buffer: data)) : .binary
    }

    private func received(_ message: WebSocketMessage) {
        guard !handedOver else { return }
        switch message {
        case .text(let text) where text == handover:
            handedOver = true
            var waiting = CircularBuffer(early)
            waiting.append(contentsOf: queue)
            queue = waiting
            early = []
            drain()
        case .text(let text): early.append(.text(text))
        case .binary: early.append(.binary)
        }
    }

    private func enqueue(_ input: Input) {
        guard !closed else { return }
        if handedOver && !busy && queue.isEmpty { return handle(input) }
        guard queue.count < Self.maxQueuedMessages else {
            return fail(
                LiveError(.unavailable, "Too many messages waiting: reconnect and resend what is unacked."),
                code: Self.tryAgainLaterCode)
        }
        queue.append(input)
    }

    private func drain() {
        while handedOver, !busy, !closed, let next = queue.popFirst() { handle(next) }
    }

    // MARK: Messages

    private func handle(_ input: Input) {
        guard case .text(let text) = input else {
            return fail(LiveError(.unsupportedFrame, "Send JSON text frames."), code: .unacceptableData)
        }
        if let expiry = identity.expiresAt, expiry <= Date() {
            return fail(
                Self.tokenExpired,
                code: Self.tokenExpiredCode)
        }
        let message: DeviceMessage
        if let points = PointsMessageParser.points(text) {
            message = DeviceMessage(type: "points", points: points)
        } else {
            do {
                message = try JSONCoding.decoder.decode(DeviceMessage.self, from: Data(text.utf8))
            } catch {
                return send(ServerFrame.ErrorFrame(LiveError(.invalidMessage, Self.describe(error))))
            }
        }
        let service = service
        if message.type == "start" {
            let identity = identity
            return perform({ try await service.start(message, identity: identity) }) { connection, opened in
                connection.opened = opened
                connection.send(
                    ServerFrame.Started(
                        sessionId: opened.session.id, resumed: opened.resumed, ackedSeq: opened.ackedSeq,
                        state: opened.session.state))
            }
        }
        guard ["points", "pause", "resume", "finish"].contains(message.type) else {
            return send(
                ServerFrame.ErrorFrame(
                    LiveError(
                        .invalidMessage, "Unknown type \"\(message.type)\": start, points, pause, resume, finish.")))
        }
        let now = Date()
        let silence = now.timeIntervalSince(lastHeard)
        lastHeard = now
        if let session = opened?.session, silence >= service.configuration.abandonAfter * 0.9 {
            return perform({ try await service.closedError(session.id) }) { connection, closed in
                guard let closed else { return connection.handleOpen(message) }
                connection.opened = nil
                connection.send(ServerFrame.ErrorFrame(closed))
            }
        }
        handleOpen(message)
    }

    /// A message of an open session: points, pause, resume or finish.
    private func handleOpen(_ message: DeviceMessage) {
        guard let opened else { return send(ServerFrame.ErrorFrame(LiveError(.notStarted, "Send start first."))) }
        let service = service
        switch message.type {
        case "points":
            guard let wire = message.points, !wire.isEmpty else {
                return send(
                    ServerFrame.ErrorFrame(LiveError(.invalidMessage, "points needs a non-empty points array.")))
            }
            switch service.newPoints(wire, after: opened) {
            case .failure(let error): send(ServerFrame.ErrorFrame(error))
            case .success(let points) where points.isEmpty: ack()  // all of them resent, all acked before
            case .success(let points): store(points, of: opened.session.id)
            }
        case "pause", "resume":
            guard let time = message.time else {
                return send(ServerFrame.ErrorFrame(LiveError(.invalidMessage, "\(message.type) needs time.")))
            }
            let kind: TimerEvent.Kind = message.type == "pause" ? .stop : .start
            perform({
                var updated = opened
                try await service.timer(kind, at: time, opened: &updated)
                return updated
            }) { connection, updated in
                connection.opened = updated
                connection.send(ServerFrame.Metrics(metrics: updated.tracker.metrics))
            }
        default:
            perform({
                try await service.close(
                    opened.session, as: .finished, at: message.time ?? opened.lastTime, name: message.name,
                    through: opened.ackedSeq)
            }) { connection, id in
                connection.send(ServerFrame.Finished(activityId: id))
                connection.close(.normalClosure, reason: "finished")
            }
        }
    }

    /// Hands the points to the sink; later messages wait until they are durable and acked.
    private func store(_ points: [LivePoint], of sessionID: UUID) {
        guard let loop = context?.eventLoop else { return }
        busy = true
        let started = DispatchTime.now()
        let connection = NIOLoopBound(self, eventLoop: loop)
        service.sink.append(sessionID: sessionID, points: points) { result in
            loop.execute { connection.value.stored(points, result, since: started) }
        }
    }

    private func stored(_ points: [LivePoint], _ result: Result<Void, any Error>, since started: DispatchTime) {
        busy = false
        guard !closed, opened != nil else { return }
        switch result {
        case .success:
            Self.durable.recordInterval(since: started)
            service.record(points, in: &opened!)
            ack()
        case .failure(let error as LiveError):
            failed(error)
        case .failure:
            failed(LiveError(.unavailable, "The points could not be stored; resend them after reconnecting."))
        }
        drain()
    }

    /// The acked seq, with the metrics when they are due.
    private func ack() {
        guard let opened else { return }
        let now = Date()
        var metrics: LiveMetrics?
        if now.timeIntervalSince(lastMetrics) >= configuration.metricsInterval * 0.95 {
            metrics = opened.tracker.metrics
            lastMetrics = now
        }
        write(ServerFrame.ack(opened.ackedSeq, metrics: metrics))
    }

    /// Runs `operation` as a task while later messages wait, then `then` with its value back on the
    /// event loop; its error goes to ``failed(_:)``.
    private func perform<T: Sendable>(
        _ operation: @escaping @Sendable () async throws -> T, then: @escaping (DeviceConnection, T) -> Void
    ) {
        guard let loop = context?.eventLoop else { return }
        busy = true
        let connection = NIOLoopBound(self, eventLoop: loop)
        let then = NIOLoopBound(then, eventLoop: loop)
        Task {
            let result: Result<T, any Error>
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
            loop.execute {
                let connection = connection.value
                connection.busy = false
                guard !connection.closed else { return }
                switch result {
                case .success(let value): then.value(connection, value)
                case .failure(let error): connection.failed(error)
                }
                connection.drain()
            }
        }
    }

    /// A refusal the device can act on is an error frame and the connection goes on; the server
    /// being unable to go on is an error frame and 1011.
    private func failed(_ error: any Error) {
        guard let error = error as? LiveError else {
            service.logger.warning("device message failed", metadata: ["error": "\(String(reflecting: error))"])
            return fail(
                LiveError(
                    .unavailable, "The server could not handle the message; reconnect and resend what is unacked."),
                code: .unexpectedServerError)
        }
        if error.code == .unavailable { return fail(error, code: .unexpectedServerError) }
        send(ServerFrame.ErrorFrame(error))
    }

    // MARK: Output

    private func send(_ frame: some Encodable) {
        write(ServerFrame.text(frame))
    }

    private func write(_ text: String) {
        guard let context, !closed else { return }
        let frame = WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: text))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    /// Sends the error frame and closes with `code`.
    private func fail(_ error: LiveError, code: WebSocketErrorCode) {
        send(ServerFrame.ErrorFrame(error))
        close(code, reason: error.code.rawValue)
    }

    /// Closes through the stream's writer, which runs the closing handshake; reads nothing more.
    private func close(_ code: WebSocketErrorCode, reason: String? = nil) {
        guard !closed else { return }
        closed = true
        queue.removeAll()
        expiry?.cancel()
        let outbound = outbound
        Task { try? await outbound.close(code, reason: reason) }
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
