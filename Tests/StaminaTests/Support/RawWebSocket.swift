import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A WebSocket client on a plain socket that sends its first messages in the same packet as the
/// upgrade request, which no client library does: they reach the server before anything it sets up
/// once the upgrade is done. Blocking, with a 15 s read timeout; for tests only.
final class RawWebSocket {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int, path: String, token: String, sendingAlong messages: [String]) throws {
        descriptor = try Self.connectLoopback(port: port, timeout: 15)
        var request = Array(
            ("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Authorization: Bearer \(token)\r\n\r\n").utf8)
        for message in messages { request += Self.frame(message) }
        guard send(descriptor, request, request.count, 0) == request.count else {
            throw TestSocketError("cannot send the upgrade request")
        }
        var head: [UInt8] = []
        while !head.suffix(4).elementsEqual("\r\n\r\n".utf8) { head += try take(1) }
        let status = String(decoding: head, as: UTF8.self)
        guard status.hasPrefix("HTTP/1.1 101") else { throw TestSocketError("not upgraded: \(status)") }
    }

    deinit { close(descriptor) }

    /// A TCP socket connected to 127.0.0.1:`port`, whose reads give up after `timeout` seconds.
    static func connectLoopback(port: Int, timeout: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSocketError("socket() failed") }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestSocketError("cannot connect to port \(port)")
        }
        return descriptor
    }

    /// A masked, unfragmented text frame (RFC 6455 §5.2), up to 64 KiB.
    static func frame(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xff)]
        }
        frame += mask
        frame += payload.enumerated().map { $1 ^ mask[$0 % 4] }
        return frame
    }

    /// The next frame's payload as JSON.
    func next() throws -> [String: Any] {
        let header = try take(2)
        var length = Int(header[1] & 0x7f)
        if length == 126 {
            length = try take(2).reduce(0) { $0 << 8 | Int($1) }
        } else if length == 127 {
            length = try take(8).reduce(0) { $0 << 8 | Int($1) }
        }
        let payload = try take(length)
        guard let object = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else {
            throw TestSocketError("not a JSON object: \(String(decoding: payload, as: UTF8.self))")
        }
        return object
    }

    private func take(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let received = recv(descriptor, &chunk, chunk.count, 0)
            guard received > 0 else { throw TestSocketError("closed or silent for 15 s") }
            buffer += chunk.prefix(received)
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer.prefix(count))
    }
}
