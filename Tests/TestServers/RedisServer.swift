import Foundation
import NIOCore
import NIOPosix
import RedisClient
import Synchronization

/// A `redis-server` of a test's own, on a free loopback port, in a temporary directory; stopped by its PID.
public final class RedisServer: Sendable {
    public let port: Int
    public let directory: URL
    private let executable: String
    private let extraArguments: [String]

    private init(port: Int, directory: URL, executable: String, extraArguments: [String]) {
        self.port = port
        self.directory = directory
        self.executable = executable
        self.extraArguments = extraArguments
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    public func configuration(_ customize: (inout RedisConfiguration) -> Void = { _ in }) -> RedisConfiguration {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        // Quick reconnects keep the restart test short.
        configuration.reconnectMaxDelay = .milliseconds(200)
        configuration.reconnectBaseDelay = .milliseconds(20)
        customize(&configuration)
        return configuration
    }

    /// Starts a server; `extraArguments` are passed on, e.g. `["--requirepass", "secret"]`.
    public static func launch(extraArguments: [String] = []) async throws -> RedisServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("redis-client-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let executable = try findRedisServer()
        var lastError: any Error = TestSupportError("no port tried")
        // Another program may take the port between the check and redis-server's bind: then try the next one.
        for _ in 0..<5 {
            let server = RedisServer(
                port: try await freePort(),
                directory: directory,
                executable: executable,
                extraArguments: extraArguments
            )
            do {
                try await server.start()
                return server
            } catch {
                await server.stop()
                lastError = error
            }
        }
        throw lastError
    }

    /// Starts (or restarts, on the same port) the daemon and waits until it accepts connections.
    public func start() async throws {
        let arguments =
            [
                executable, "--bind", "127.0.0.1", "--port", "\(port)", "--daemonize", "yes", "--dir", directory.path,
                "--pidfile", pidFile.path, "--logfile", directory.appendingPathComponent("redis.log").path,
                "--save", "", "--appendonly", "no",
            ] + extraArguments
        let status = try spawnAndWait(arguments)
        guard status == 0 else { throw TestSupportError("redis-server exited with status \(status)") }
        for _ in 0..<500 {
            if let pid {
                guard kill(pid, 0) == 0 else { break }
                if await acceptsConnections() { return }
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError("redis-server on port \(port) did not come up; see \(directory.path)/redis.log")
    }

    /// Kills the daemon by its PID (no data to keep, so no graceful shutdown, which takes Redis a second or more)
    /// and waits until its port refuses connections.
    public func stop() async {
        guard let pid else { return }
        kill(pid, SIGKILL)
        var tries = 0
        while tries < 500, await acceptsConnections() {
            tries += 1
            try? await Task.sleep(for: .milliseconds(10))
        }
        try? FileManager.default.removeItem(at: pidFile)
    }

    /// Stops the server and removes its directory.
    public func destroy() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private var pidFile: URL { directory.appendingPathComponent("redis.pid") }

    private var pid: pid_t? {
        (try? String(contentsOf: pidFile, encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func acceptsConnections() async -> Bool {
        guard
            let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
        else { return false }
        try? await channel.close()
        return true
    }

    private static func findRedisServer() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestSupportError("redis-server is not on PATH: install it (Debian: apt-get install redis-server)")
    }
}

/// Runs a program to completion (redis-server's launcher returns once the daemon has forked) and returns its
/// exit status. posix_spawn with a clean signal mask (the test process blocks SIGTERM in its threads, and a
/// daemon inheriting that could not be stopped by it) and no inherited descriptors. (Foundation's Process blocks a cooperative thread in
/// waitUntilExit until it reaps, which can starve the test runner.)
private func spawnAndWait(_ arguments: [String]) throws -> Int32 {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var signals = sigset_t()
    sigemptyset(&signals)
    posix_spawnattr_setsigmask(&attributes, &signals)
    sigfillset(&signals)
    posix_spawnattr_setsigdefault(&attributes, &signals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    // Without this the daemon would inherit other tests' sockets and keep their ports open.
    var fileActions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&fileActions)
    defer { posix_spawn_file_actions_destroy(&fileActions) }
    // glibc 2.34+ has posix_spawn_file_actions_addclosefrom_np, but Swift's Glibc module doesn't export it.
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    guard let closeFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
        throw TestSupportError("glibc 2.34 or later needed (posix_spawn_file_actions_addclosefrom_np)")
    }
    _ = unsafeBitCast(closeFrom, to: CloseFrom.self)(&fileActions, 3)
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    let spawned = posix_spawn(&pid, arguments[0], &fileActions, &attributes, argv, environ)
    guard spawned == 0 else { throw TestSupportError("cannot run \(arguments[0]): errno \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1, errno == EINTR {}
    return (status >> 8) & 0xFF
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Ports handed out by ``freePort()``, never the same twice in this process (the kernel's port 0 may be),
/// and below Linux's ephemeral range (32,768–60,999): a port from there may belong to a broker of
/// librdkafka's mock cluster that a test has taken down, and that must listen on it again when it
/// comes back up (librdkafka 2.0.2 aborts the process when it cannot).
private let nextPort = Atomic<Int>(Int.random(in: 0..<portRange.count))
private let portRange = 20_000..<32_768

/// A loopback port nothing listens on (right now), and that no other test of this process was given.
public func freePort() async throws -> Int {
    for _ in 0..<100 {
        let port = portRange.lowerBound + nextPort.wrappingAdd(1, ordering: .relaxed).newValue % portRange.count
        if let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: port).get()
        {
            try await channel.close()
            return port
        }
    }
    throw TestSupportError("no free loopback port found")
}
