import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import Testing

/// A WebSocket client for tests: connects, sends text, and reads the server's JSON frames in order.
final class TestSocket: Sendable {
    private struct State {
        var received: [String] = []
        var outbound: WebSocketOutboundWriter?
        var ended = false
        var closeCode: WebSocketErrorCode?
    }

    private let state = Mutex(State())
    private let ready = AsyncStream<Void>.makeStream()
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let read = Mutex(0)

    /// Connects to `path` of the server on `port`; nil when the server refused the upgrade.
    static func connect(port: Int, path: String, token: String? = nil) async throws -> TestSocket? {
        let socket = TestSocket()
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        if let token { configuration.additionalHeaders[.authorization] = "Bearer \(token)" }
        let url = "ws://127.0.0.1:\(port)\(path)"
        let settings = configuration
        let task = Task {
            let close = try? await WebSocketClient.connect(
                url: url, configuration: settings, logger: Logger(label: "test.ws")
            ) { inbound, outbound, _ in
                socket.state.withLock { $0.outbound = outbound }
                socket.ready.continuation.yield()
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    if case .text(let text) = message { socket.state.withLock { $0.received.append(text) } }
                }
            }
            socket.state.withLock {
                $0.ended = true
                $0.closeCode = close?.closeCode
            }
            socket.ready.continuation.finish()
        }
        socket.task.withLock { $0 = task }
        for await _ in socket.ready.stream { break }
        return socket.state.withLock { $0.outbound } == nil ? nil : socket
    }

    func send(_ text: String) async throws {
        let outbound = try #require(state.withLock { $0.outbound })
        try await outbound.write(.text(text))
    }

    /// Sends `parts` as one text message in as many frames: a first frame, then continuations.
    func sendFragmented(_ parts: [String]) async throws {
        let outbound = try #require(state.withLock { $0.outbound })
        try await outbound.withTextMessageWriter { write in
            for part in parts { try await write(part) }
        }
    }

    func sendBinary(_ bytes: [UInt8]) async throws {
        let outbound = try #require(state.withLock { $0.outbound })
        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
    }

    /// The next frame the server sent, as a JSON object; fails after `timeout`.
    func next(timeout: Duration = .seconds(15), context: String = "") async throws -> [String: any Sendable] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let index = read.withLock { $0 }
            if let text = state.withLock({ $0.received.count > index ? $0.received[index] : nil }) {
                read.withLock { $0 += 1 }
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: any Sendable]
                return try #require(object, "not a JSON object: \(text)")
            }
            if let code = state.withLock({ $0.ended ? $0.closeCode : nil }) {
                throw TestSocketError("closed (\(code)) while waiting for a frame after \(context.prefix(200))")
            }
            if state.withLock({ $0.ended }) {
                throw TestSocketError("closed while waiting for a frame after \(context.prefix(200))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestSocketError("no frame within \(timeout) \(context.prefix(200))")
    }

    /// The next frame of `type`, skipping others (e.g. acks carrying metrics).
    func next(_ type: String, timeout: Duration = .seconds(15)) async throws -> [String: any Sendable] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let frame = try await next(timeout: deadline - ContinuousClock.now, context: "(waiting for \(type))")
            if frame["type"] as? String == type { return frame }
        }
    }

    /// Waits for the server to close the connection and returns its close code.
    func closed(timeout: Duration = .seconds(15)) async throws -> WebSocketErrorCode? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = state.withLock({ $0.ended ? $0.closeCode : nil }) { return code }
            if state.withLock({ $0.ended }) { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestSocketError("still open after \(timeout)")
    }

    /// Closes from the client side and waits for the connection to end.
    func close() async {
        if let outbound = state.withLock({ $0.outbound }) { try? await outbound.close(.normalClosure, reason: nil) }
        await task.withLock { $0 }?.value
    }
}

struct TestSocketError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
