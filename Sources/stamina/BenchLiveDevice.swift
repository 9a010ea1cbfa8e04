import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A simulated device's connection on a bare NIO pipeline: frames are read, and answered, on the
/// connection's event loop, without the tasks and async streams of a WebSocket client library. With
/// 10,000 devices the generator shares two cores with the server it measures, so every microsecond
/// it spends per message is taken from the server.
final class BenchDeviceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let device: LiveDevice
    let run: LiveBenchRun
    let slots: LivePhaseSlots
    /// The code of the server's close frame, when it sent one.
    private var closeCode: WebSocketErrorCode?

    init(device: LiveDevice, run: LiveBenchRun, slots: LivePhaseSlots) {
        self.device = device
        self.run = run
        self.slots = slots
    }

    /// Connects `device`, upgrades to a WebSocket at `path` of the run's device URL, sends `start`,
    /// and returns once the connection has ended: the server's close code, if it sent a close frame.
    static func connect(
        _ device: LiveDevice, path: String, start: String, run: LiveBenchRun, slots: LivePhaseSlots
    ) async throws -> WebSocketErrorCode? {
        let address = run.deviceURL.dropFirst("ws://".count).split(separator: ":")
        guard address.count == 2, let port = Int(address[1]) else { throw ChannelError.badInterfaceAddressFamily }
        let host = String(address[0])
        let upgraded = try await ClientBootstrap(group: run.group).connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                let upgrader = NIOTypedWebSocketClientUpgrader<NIOLoopBound<BenchDeviceHandler>?>(maxFrameSize: 1 << 22)
                {
                    channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = BenchDeviceHandler(device: device, run: run, slots: slots)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return NIOLoopBound(handler, eventLoop: channel.eventLoop)
                    }
                }
                let head = HTTPRequestHead(
                    version: .http1_1, method: .GET, uri: path,
                    headers: ["Host": "\(host):\(port)", "Content-Length": "0"])
                return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                    configuration: .init(
                        upgradeConfiguration: NIOTypedHTTPClientUpgradeConfiguration(
                            upgradeRequestHead: head, upgraders: [upgrader],
                            notUpgradingCompletionHandler: { $0.eventLoop.makeSucceededFuture(nil) })))
            }
        }
        guard let handler = try await upgraded.get() else { throw ChannelError.inappropriateOperationForState }
        let loop = handler.eventLoop
        // Only now are the upgrade's HTTP handlers out of the way of frames.
        let channel = try await loop.submit {
            let context = handler.value.context
            if let context { Self.send(start, on: context.channel) }
            return context?.channel
        }.get()
        try? await channel?.closeFuture.get()
        return try await loop.submit { handler.value.closeCode }.get()
    }

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let now = LiveBenchClock.monotonic()
            let started = frame.unmaskedData.withUnsafeReadableBytes { bytes in
                device.handle(bytes.bindMemory(to: UInt8.self), at: now, run: run)
            }
            guard let acked = started else { return }
            device.streamingStarted(after: acked)
            slots.join(device, channel: context.channel)
            endAtRunEnd(on: context.eventLoop)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            closeCode = data.readWebSocketErrorCode()
            context.close(promise: nil)
        default:
            break
        }
    }

    /// Ends the connection at the run's end, which is known only once the steady phase has begun:
    /// until then it looks again every second. (One timer per device, not one a second: 10,000
    /// timers rescheduled each second cost the generator a quarter of its CPU in NIO's timer heap.)
    private func endAtRunEnd(on loop: any EventLoop) {
        let handler = NIOLoopBound(self, eventLoop: loop)
        let end = run.schedule.end
        guard LiveBenchSchedule.isKnown(end) else {
            loop.scheduleTask(in: .seconds(1)) { handler.value.endAtRunEnd(on: loop) }
            return
        }
        loop.scheduleTask(in: .nanoseconds(max(0, end - LiveBenchClock.monotonic()))) { handler.value.end() }
    }

    /// At the end of the run: finishes (the server then closes), or closes with 1000.
    private func end() {
        guard let channel = context?.channel else { return }
        if run.finish {
            let time = LiveBenchClock.rfc3339(milliseconds: LiveBenchClock.wallMilliseconds())
            Self.send(#"{"type":"finish","time":"\#(time)"}"#, on: channel)
            // The server closes with 1000 after `finished`; close ourselves if it does not within 60 s.
            let end = NIOLoopBound(self, eventLoop: channel.eventLoop)
            channel.eventLoop.scheduleTask(in: .seconds(60)) { end.value.close() }
        } else {
            close()
        }
    }

    private func close() {
        guard let channel = context?.channel else { return }
        device.markClosing()
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
        channel.writeAndFlush(frame, promise: nil)
        // The server answers with its close frame and ends the connection; give up after 10 s.
        channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
    }

    /// Sends `text` as a masked text frame (written on the channel's event loop).
    static func send(_ text: String, on channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer), promise: nil)
    }
}
