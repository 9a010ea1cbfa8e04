import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import Testing

/// The real `stamina` binary: start (migrating an empty database), serve, shut down on SIGTERM,
/// and start again on the same data.
@Suite("Live server")
struct LiveServerTests {
    /// A running `stamina serve` process and the port it listens on.
    final class ServerProcess {
        let process = Process()
        let errors = Pipe()
        var port = 0
        var log = ""

        /// The `stamina` executable built beside the test bundle.
        static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("stamina")

        init(environment: [String: String]) throws {
            process.executableURL = Self.binary
            process.arguments = ["serve", "--port", "0"]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
        }

        /// Starts the process and waits until it logs the port it listens on.
        func start() throws {
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while port == 0 && Date() < deadline && process.isRunning {
                let chunk = errors.fileHandleForReading.availableData
                log += String(decoding: chunk, as: UTF8.self)
                if let range = log.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    port = Int(log[range].split(separator: ":").last ?? "") ?? 0
                }
            }
            guard port != 0 else { throw TestSetupError("server did not start: \(log)") }
        }

        /// Kills the process with SIGKILL: no shutdown, no flush, nothing in flight finished.
        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// Sends SIGTERM and returns the exit status.
        func terminate() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            log += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return process.terminationStatus
        }
    }

    func request(_ method: HTTPMethod, _ port: Int, _ path: String, json: String? = nil, token: String? = nil)
        async throws -> (Int, String)
    {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test(
        "start migrates an empty database, SIGTERM stops cleanly, data survives a restart", arguments: Backend.allCases)
    func startMigrateShutdown(backend: Backend) async throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("stamina-live-\(UUID())").path
        var environment = ["STAMINA_DATA_DIR": dataDirectory, "STAMINA_BCRYPT_COST": "4"]
        var cleanup: @Sendable () async -> Void = {}
        if backend == .postgres {
            let name = "stamina_live_\(UUID().uuidString.lowercased().prefix(8))"
            try await TestDatabase.admin("CREATE DATABASE \(name)")
            environment["STAMINA_DATABASE_URL"] = try TestDatabase.url(database: name)
            cleanup = { _ = try? await TestDatabase.admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        }
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }

        let first = try ServerProcess(environment: environment)
        try first.start()
        #expect(first.log.contains("migration=accounts/1"))
        #expect(try await request(.GET, first.port, "/health/ready").0 == 200)
        let registration = try await request(
            .POST, first.port, "/api/v1/auth/register",
            json: #"{"email":"live@example.com","password":"live password","name":"Live"}"#)
        #expect(registration.0 == 201)
        #expect(first.terminate() == 0)
        if backend == .sqlite {
            #expect(FileManager.default.fileExists(atPath: dataDirectory + "/stamina.sqlite"))
        }
        #expect(FileManager.default.fileExists(atPath: dataDirectory + "/jwt-signing.key"))

        let second = try ServerProcess(environment: environment)
        try second.start()
        #expect(!second.log.contains("applied migration"))
        let login = try await request(
            .POST, second.port, "/api/v1/auth/login", json: #"{"email":"live@example.com","password":"live password"}"#)
        #expect(login.0 == 200)
        #expect(second.terminate() == 0)
        await cleanup()
    }

    /// Sends `head` on a new loopback connection and returns what the server sends back before
    /// closing or within 5 s (a client waiting for `100 Continue` sends no body yet).
    static func exchange(port: Int, head: String) throws -> String {
        let socket = try RawWebSocket.connectLoopback(port: port, timeout: 5)
        defer { close(socket) }
        _ = head.utf8CString.withUnsafeBufferPointer { send(socket, $0.baseAddress, $0.count - 1, 0) }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = recv(socket, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    @Test("a client that sends `Expect: 100-continue` is told to go on before it sends the body")
    func expectContinue() async throws {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("stamina-live-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let server = try ServerProcess(environment: ["STAMINA_DATA_DIR": dataDirectory])
        try server.start()
        let reply = try Self.exchange(
            port: server.port,
            head:
                "POST /api/v1/activities HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        #expect(reply.hasPrefix("HTTP/1.1 100 Continue\r\n"))
        #expect(server.terminate() == 0)
    }
}
