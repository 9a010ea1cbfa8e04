import ActivityFiles
import ArgumentParser
import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Load generator for live tracking (docs/live-protocol.md): N devices stream one point a second over
/// `/api/v1/realtime/activity-stream` and M spectators watch distinct devices' sessions over
/// `/api/v1/realtime/live/{sessionId}`. The devices connect over a ramp; the steady phase begins 2 s
/// after the last has started (up to 60 s after the ramp), so that it measures N devices streaming,
/// and the mass start is reported on its own (start latencies, acks before the steady phase). It
/// measures, over the steady phase only, the ack
/// latency (a `points` message sent → the first `ack` with `seq` at or above it), the spectator delay
/// (a point sent by its device → its arrival at the spectator; the device's send time is the point's
/// `time`, looked up by `seq` so the server's time format does not matter) and, as a same-run
/// baseline without storage, a probe round trip: an unknown message type answered by an
/// `invalid_message` error on the same device connections (the WebSocket client hides pongs; the
/// server answers a connection's messages in order, so under a backlog the probe waits in the same
/// queue). It also reports, from `/proc`, the servers' (`--pids`) and its own CPU, time spent waiting
/// for a CPU (starvation on a shared machine) and peak RSS.
struct BenchLive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live", abstract: "Load live tracking: devices streaming points, spectators watching.")

    @Option(help: "Simulated devices, one point a second each.")
    var devices = 1_000

    @Option(help: "Spectators, each watching a distinct device (default devices / 10).")
    var spectators: Int?

    @Option(help: "Seconds of the steady phase (measured).")
    var seconds = 60

    @Option(help: "Seconds over which connections are opened (reported apart from the steady phase).")
    var ramp = 10

    @Option(name: .customLong("device-url"), help: "Server the devices connect to, http://127.0.0.1:PORT.")
    var deviceURL = "http://127.0.0.1:8080"

    @Option(name: .customLong("spectator-url"), help: "Server the spectators connect to (default: the device URL).")
    var spectatorURL: String?

    @Option(
        help:
            "Comma-separated server PIDs to measure (CPU over the steady phase, peak RSS); +PID adds the CPU of its children (PostgreSQL's backends)."
    )
    var pids: String?

    @Option(help: "Devices per registered user (tokens are shared).")
    var devicesPerUser = 10

    @Option(help: "Seconds between no-storage probes on each device connection (0: none).")
    var probeInterval = 10

    @Option(help: "Event-loop threads of the generator.")
    var threads = System.coreCount

    @Flag(help: "End each device with `finish` and count the `finished` replies instead of just closing.")
    var finish = false

    func validate() throws {
        guard devices >= 1 else { throw ValidationError("--devices must be at least 1") }
        guard (spectators ?? 0) >= 0, (spectators ?? 0) <= devices else {
            throw ValidationError("--spectators must be between 0 and --devices")
        }
        guard seconds >= 1, ramp >= 0, devicesPerUser >= 1, threads >= 1, probeInterval >= 0 else {
            throw ValidationError("--seconds, --devices-per-user and --threads must be positive")
        }
        for url in [deviceURL, spectatorURL ?? deviceURL] {
            guard url.hasPrefix("http://127.0.0.1:") || url.hasPrefix("http://localhost:") else {
                throw ValidationError("only loopback servers are supported: http://127.0.0.1:PORT")
            }
        }
    }

    func run() async throws {
        let spectatorCount = spectators ?? devices / 10
        let openFiles = LiveBenchSystem.raiseOpenFileLimit()
        let needed = devices + spectatorCount + 64
        if openFiles < needed {
            FileHandle.standardError.write(Data("warning: open-file limit \(openFiles) < \(needed) sockets\n".utf8))
        }
        var trees = Set<Int32>()
        let serverPIDs = try (pids ?? "").split(separator: ",").map { item -> Int32 in
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let pid = Int32(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
                throw ValidationError("--pids: \(text) is not a PID")
            }
            if text.hasPrefix("+") { trees.insert(pid) }
            return pid
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)

        let userCount = (devices + devicesPerUser - 1) / devicesPerUser
        let registrationStart = LiveBenchClock.monotonic()
        let tokens = try await registerUsers(userCount, at: deviceURL)
        progress(
            "registered \(userCount) users in "
                + LiveBenchReport.fixed(Double(LiveBenchClock.monotonic() - registrationStart) / 1e9, 1) + " s")

        let base = LiveBenchClock.monotonic() + 500_000_000
        let schedule = LiveBenchSchedule(
            base: base, ramp: Int64(ramp) * 1_000_000_000, settle: 2_000_000_000,
            steady: Int64(seconds) * 1_000_000_000, drain: 3_000_000_000, startTimeout: 60_000_000_000)
        let run = LiveBenchRun(
            schedule: schedule, group: group, probeInterval: probeInterval, finish: finish,
            deviceURL: Self.webSocketBase(deviceURL), spectatorURL: Self.webSocketBase(spectatorURL ?? deviceURL))
        let deviceStates = (0..<devices).map { LiveDevice(index: $0, token: tokens[$0 / devicesPerUser]) }
        let stride = spectatorCount > 0 ? devices / spectatorCount : 1
        let spectatorStates = (0..<spectatorCount).map {
            // Watched by another user than the device's own when there is more than one.
            LiveSpectator(
                device: deviceStates[$0 * stride], token: tokens[($0 * stride / devicesPerUser + 1) % tokens.count])
        }
        let sampler = LiveResourceSampler(pids: serverPIDs, trees: trees)
        progress(
            "\(devices) devices, \(spectatorCount) spectators: ramp \(ramp) s, steady \(seconds) s; "
                + "devices → \(run.deviceURL), spectators → \(run.spectatorURL)")

        let slots = LivePhaseSlots()
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await slots.run(run) }
            for device in deviceStates {
                let start = base + Int64(ramp) * 1_000_000_000 * Int64(device.index) / Int64(devices)
                tasks.addTask {
                    await LiveBenchClock.sleep(until: start)
                    await device.run(run, slots: slots)
                }
            }
            for (index, spectator) in spectatorStates.enumerated() {
                let start =
                    base + Int64(ramp) * 1_000_000_000 * Int64(index) / Int64(max(1, spectatorCount)) + 500_000_000
                tasks.addTask {
                    await LiveBenchClock.sleep(until: start)
                    await spectator.run(run)
                }
            }
            tasks.addTask { await sampler.run(schedule) }
            tasks.addTask {
                await LiveBenchClock.sleep(until: schedule.rampEnd)
                while deviceStates.contains(where: { !$0.isSettled }),
                    LiveBenchClock.monotonic() < schedule.rampEnd + schedule.startTimeout
                {
                    try? await Task.sleep(for: .milliseconds(50))
                }
                schedule.beginSteadyPhase(lastStart: LiveBenchClock.monotonic())
                await LiveBenchClock.sleep(until: schedule.steadyStart)
                let connected = deviceStates.reduce(0) { $0 + ($1.isStreaming ? 1 : 0) }
                let watching = spectatorStates.reduce(0) { $0 + ($1.isWatching ? 1 : 0) }
                progress(
                    "steady phase: \(connected)/\(devices) devices streaming, \(watching)/\(spectatorCount) spectators")
                await LiveBenchClock.sleep(until: schedule.steadyEnd)
                progress("steady phase over; draining and closing")
            }
        }

        let report = LiveBenchReport(
            devices: deviceStates, spectators: spectatorStates, sampler: sampler, schedule: schedule,
            users: userCount, finish: finish, skippedPoints: slots.skippedPoints.load(ordering: .relaxed))
        print(report.text(deviceURL: run.deviceURL, spectatorURL: run.spectatorURL))
        try? await group.shutdownGracefully()
    }

    static func webSocketBase(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return "ws://" + url.dropFirst("http://".count)
    }

    /// Registers `count` users through the API, 16 at a time (bcrypt cost is the server's; the
    /// scripts run it at 4), and returns their access tokens.
    func registerUsers(_ count: Int, at baseURL: String) async throws -> [String] {
        let run = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let url = baseURL + "/api/v1/auth/register"
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var tokens = [String](repeating: "", count: count)
            var next = 0
            while next < min(count, 16) {
                let index = next
                group.addTask { (index, try await Self.register("live-\(run)-\(index)", at: url)) }
                next += 1
            }
            while let (index, token) = try await group.next() {
                tokens[index] = token
                if next < count {
                    let index = next
                    group.addTask { (index, try await Self.register("live-\(run)-\(index)", at: url)) }
                    next += 1
                }
            }
            return tokens
        }
    }

    /// Registers `name@example.com` and returns its access token.
    static func register(_ name: String, at url: String) async throws -> String {
        struct Tokens: Decodable { var accessToken: String }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(string: #"{"email":"\#(name)@example.com","password":"bench-password-1","name":"\#(name)"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 201 else {
            throw ValidationError("register: \(response.status) \(String(buffer: body))")
        }
        return try JSONDecoder().decode(Tokens.self, from: Data(body.readableBytesView)).accessToken
    }
}

private func progress(_ line: String) {
    FileHandle.standardError.write(Data(("[bench live] " + line + "\n").utf8))
}

/// When things happen in a run, in `LiveBenchClock.monotonic()` nanoseconds.
///
/// The steady phase measures N devices streaming, so it starts `settle` after every device has
/// started (or failed to), not at a fixed time: under a mass start the last sessions may open
/// seconds after the ramp. Until then its start is unknown, far ahead.
final class LiveBenchSchedule: Sendable {
    let base: Int64
    let ramp: Int64
    let settle: Int64
    let steady: Int64
    let drain: Int64
    /// How long after the ramp the steady phase waits at most for the last devices to start.
    let startTimeout: Int64
    private let start = Atomic<Int64>(LiveBenchSchedule.unknown)

    static let unknown = Int64.max / 4

    /// Whether `time` (the steady phase's start, or a time after it) is known yet.
    static func isKnown(_ time: Int64) -> Bool { time < unknown / 2 }

    init(base: Int64, ramp: Int64, settle: Int64, steady: Int64, drain: Int64, startTimeout: Int64) {
        self.base = base
        self.ramp = ramp
        self.settle = settle
        self.steady = steady
        self.drain = drain
        self.startTimeout = startTimeout
    }

    var rampEnd: Int64 { base + ramp }
    var steadyStart: Int64 { start.load(ordering: .acquiring) }
    var steadyEnd: Int64 { steadyStart + steady }

    /// Fixes the steady phase's start: `settle` after `lastStart`.
    func beginSteadyPhase(lastStart: Int64) {
        start.store(lastStart + settle, ordering: .releasing)
    }
    /// When connections close (or send `finish`): late acks and deliveries have arrived.
    var end: Int64 { steadyEnd + drain }

    func isSteady(_ time: Int64) -> Bool { time >= steadyStart && time < steadyEnd }

    /// Which phase `time` falls in, to 10 s within the steady phase (to group disconnects by when).
    func phase(of time: Int64) -> String {
        if time < steadyStart { return "before the steady phase" }
        if time >= steadyEnd { return "after the steady phase" }
        let tens = (time - steadyStart) / 10_000_000_000 * 10
        return "at steady +\(tens)…\(tens + 10) s"
    }
}

/// What every connection of a run shares.
struct LiveBenchRun: Sendable {
    var schedule: LiveBenchSchedule
    var group: MultiThreadedEventLoopGroup
    var probeInterval: Int
    var finish: Bool
    var deviceURL: String
    var spectatorURL: String
    var logger: Logger = {
        var logger = Logger(label: "stamina.bench.live")
        logger.logLevel = .critical
        return logger
    }()

    func configuration(maxFrameSize: Int) -> WebSocketClientConfiguration {
        WebSocketClientConfiguration(maxFrameSize: maxFrameSize, closeTimeout: .seconds(10))
    }

    /// A connection the server closed, as reported: its close frame (code and reason) and the run's phase.
    func closedByServer(_ close: String?) -> String {
        "closed by server (\(close ?? "no close frame")) " + schedule.phase(of: LiveBenchClock.monotonic())
    }

    /// A connection ended by an error, as reported: the error and the run's phase.
    func ended(by error: any Error) -> String {
        "\(error) " + schedule.phase(of: LiveBenchClock.monotonic())
    }
}

/// Clocks without Foundation on the hot path: monotonic nanoseconds for latencies, wall-clock
/// milliseconds for the points' `time`.
enum LiveBenchClock {
    static func monotonic() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    static func wallMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// Sleeps until `deadline` (monotonic); returns early only when cancelled.
    static func sleep(until deadline: Int64) async {
        await sleep(until: { deadline })
    }

    /// Sleeps until `deadline()`, which may depend on the steady phase's start: while that is
    /// unknown (far ahead), it looks again every second. Returns early only when cancelled.
    static func sleep(until deadline: () -> Int64) async {
        while !Task.isCancelled {
            let target = deadline()
            let delay = target - monotonic()
            if delay <= 0 { return }
            try? await Task.sleep(for: .nanoseconds(LiveBenchSchedule.isKnown(target) ? delay : 1_000_000_000))
        }
    }

    /// `2026-11-29T18:00:00.123Z` for `milliseconds` since 1970 (UTC; milliseconds when it has them),
    /// without a formatter.
    static func rfc3339(milliseconds: Int64) -> String {
        var writer = XMLWriter(capacity: 24)
        writer.appendTimestamp(Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// Reads the few fields the generator needs from a server frame by scanning its bytes, instead of
/// decoding whole JSON objects: `"key"` followed by `:` and an integer or a string.
enum LiveFrameScanner {
    static let typeKey = Array(#""type""#.utf8)
    static let seqKey = Array(#""seq""#.utf8)
    static let codeKey = Array(#""code""#.utf8)
    static let sessionIDKey = Array(#""sessionId""#.utf8)
    static let ackedSeqKey = Array(#""ackedSeq""#.utf8)
    static let metricsKey = Array(#""metrics""#.utf8)

    /// The index just past `key`, its colon and any blanks, searching from `start`.
    static func value(of key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        guard let first = key.first, bytes.count >= key.count else { return nil }
        var index = start
        let last = bytes.count - key.count
        outer: while index <= last {
            guard bytes[index] == first else {
                index += 1
                continue
            }
            for offset in 1..<key.count where bytes[index + offset] != key[offset] {
                index += 1
                continue outer
            }
            var position = index + key.count
            while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                index += 1
                continue
            }
            position += 1
            while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
            return position
        }
        return nil
    }

    static func integer(at position: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var position = position
        var value = 0
        var any = false
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
            position += 1
            any = true
        }
        return any ? value : nil
    }

    static func string(at position: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
        var end = position + 1
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") { end += 1 }
        guard end < bytes.count else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[(position + 1)..<end]), as: UTF8.self)
    }

    static func string(_ key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        value(of: key, in: bytes).flatMap { string(at: $0, in: bytes) }
    }

    static func integer(_ key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        value(of: key, in: bytes).flatMap { integer(at: $0, in: bytes) }
    }

    /// Every integer value of `key`, in order (the `seq` of each point of a `points` message).
    static func integers(_ key: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, into values: inout [Int]) {
        var start = 0
        while let position = value(of: key, in: bytes, from: start) {
            if let value = integer(at: position, in: bytes) { values.append(value) }
            start = position
        }
    }

    /// Runs `body` over the UTF-8 bytes of `text` (contiguous for strings made from frames).
    static func withBytes<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = text
        return text.withUTF8(body)
    }
}

/// One simulated device: its connection, what it sent and what came back. Latencies are kept per
/// device (no shared lock on the hot path) and merged at the end.
final class LiveDevice: Sendable {
    let index: Int
    let token: String
    let clientSessionID: String
    private let state = Mutex(State())

    /// How many recent send times are kept for the spectators' lookups.
    static let window = 64

    struct State {
        var sessionID: String?
        var streaming = false
        var closing = false
        /// Sent, not yet acked: sequence number and monotonic send time.
        var pending: [(seq: Int, sent: Int64)] = []
        /// Recent send times by `seq % window`, for the spectators.
        var sentSeq = [Int](repeating: 0, count: LiveDevice.window)
        var sentAt = [Int64](repeating: 0, count: LiveDevice.window)
        var probes: [Int64] = []
        /// Acks of points sent in the steady phase: when the point was sent, and its latency in ms.
        var ackLatencies: [(sent: Int64, milliseconds: Double)] = []
        /// Latencies of the acks of points sent before the steady phase (during the mass start).
        var earlyAckLatencies: [Double] = []
        var probeLatencies: [Double] = []
        var pointsSent = 0
        var steadySent = 0
        var steadyAcked = 0
        var acks = 0
        var highestAck = 0
        var metrics = 0
        var errors: [String: Int] = [:]
        var connectFailure: String?
        var disconnect: String?
        var finished = false
        var track: Track?
        /// When the device connected, and when its `started` frame arrived.
        var connectAt: Int64 = 0
        var startedAt: Int64?
    }

    init(index: Int, token: String) {
        self.index = index
        self.token = token
        self.clientSessionID = "bench-\(UInt32.random(in: 0...UInt32.max))-\(index)"
    }

    var isStreaming: Bool { state.withLock { $0.streaming } }
    /// Started, or failed to connect.
    var isSettled: Bool { state.withLock { $0.startedAt != nil || $0.connectFailure != nil } }
    var sessionID: String? { state.withLock { $0.sessionID } }
    func snapshot() -> State { state.withLock { $0 } }

    /// The monotonic time `seq` was sent at, while it is recent.
    func sendTime(of seq: Int) -> Int64? {
        state.withLock { state in
            let slot = seq % Self.window
            return state.sentSeq[slot] == seq ? state.sentAt[slot] : nil
        }
    }

    func run(_ run: LiveBenchRun, slots: LivePhaseSlots) async {
        state.withLock { $0.connectAt = LiveBenchClock.monotonic() }
        let startedAt = LiveBenchClock.rfc3339(milliseconds: LiveBenchClock.wallMilliseconds())
        let start =
            #"{"type":"start","clientSessionId":"\#(clientSessionID)","sport":"running","startedAt":"\#(startedAt)","visibility":"public","name":"Live bench \#(index)"}"#
        do {
            let closeCode = try await BenchDeviceHandler.connect(
                self, path: "/api/v1/realtime/activity-stream?access_token=" + token, start: start, run: run,
                slots: slots)
            state.withLock { state in
                state.streaming = false
                if !state.closing && !state.finished {
                    state.disconnect = run.closedByServer(closeCode.map { "\($0)" })
                }
            }
        } catch {
            state.withLock { state in
                state.streaming = false
                if state.sessionID == nil {
                    state.connectFailure = "\(error)"
                } else if !state.closing {
                    state.disconnect = run.ended(by: error)
                }
            }
        }
    }

    /// The `started` frame's acked seq: streaming goes on after it.
    func streamingStarted(after acked: Int) {
        state.withLock { $0.track = Track(after: acked) }
    }

    func markClosing() {
        state.withLock { $0.closing = true }
    }

    /// Applies one server frame; returns the `ackedSeq` to stream after when it is `started`.
    func handle(_ bytes: UnsafeBufferPointer<UInt8>, at now: Int64, run: LiveBenchRun) -> Int? {
        let type = LiveFrameScanner.string(LiveFrameScanner.typeKey, in: bytes)
        switch type {
        case "ack":
            guard let seq = LiveFrameScanner.integer(LiveFrameScanner.seqKey, in: bytes) else { return nil }
            let withMetrics = LiveFrameScanner.value(of: LiveFrameScanner.metricsKey, in: bytes) != nil
            state.withLock { state in
                state.acks += 1
                if withMetrics { state.metrics += 1 }
                state.highestAck = max(state.highestAck, seq)
                var done = 0
                for entry in state.pending {
                    guard entry.seq <= seq else { break }
                    done += 1
                    if run.schedule.isSteady(entry.sent) {
                        state.ackLatencies.append((entry.sent, Double(now - entry.sent) / 1e6))
                        state.steadyAcked += 1
                    } else if entry.sent < run.schedule.steadyStart {
                        state.earlyAckLatencies.append(Double(now - entry.sent) / 1e6)
                    }
                }
                if done > 0 { state.pending.removeFirst(done) }
            }
        case "started":
            let sessionID = LiveFrameScanner.string(LiveFrameScanner.sessionIDKey, in: bytes)
            let acked = LiveFrameScanner.integer(LiveFrameScanner.ackedSeqKey, in: bytes) ?? 0
            state.withLock { state in
                state.sessionID = sessionID
                state.streaming = true
                if state.startedAt == nil { state.startedAt = now }
            }
            return acked
        case "error":
            let code = LiveFrameScanner.string(LiveFrameScanner.codeKey, in: bytes) ?? "unknown"
            state.withLock { state in
                if code == "invalid_message", !state.probes.isEmpty {
                    let sent = state.probes.removeFirst()
                    if run.schedule.isSteady(sent) { state.probeLatencies.append(Double(now - sent) / 1e6) }
                } else {
                    state.errors[code, default: 0] += 1
                }
            }
        case "finished":
            state.withLock { $0.finished = true }
        case "metrics":
            state.withLock { $0.metrics += 1 }
        default:
            state.withLock { $0.errors["unexpected frame \(type ?? "?")", default: 0] += 1 }
        }
        return nil
    }

    /// The device's motion and next sequence number, kept between ticks.
    struct Track {
        var seq: Int
        var latitude: Double
        var longitude: Double
        var dLatitude: Double
        var dLongitude: Double
        var distance = 0.0
        /// The last point's `time` in milliseconds: the next one is later even when sent in the same
        /// millisecond (the server refuses a batch whose time does not increase).
        var lastTime: Int64 = 0

        init(after acked: Int) {
            var random = SystemRandomNumberGenerator()
            seq = acked
            latitude = 47.3 + Double.random(in: 0..<0.2, using: &random)
            longitude = 8.4 + Double.random(in: 0..<0.2, using: &random)
            let heading = Double.random(in: 0..<(2 * Double.pi), using: &random)
            dLatitude = LiveDevice.speed * cos(heading) / 111_320
            dLongitude = LiveDevice.speed * sin(heading) / (111_320 * cos(latitude * Double.pi / 180))
        }
    }

    /// Metres a second the simulated athletes move.
    static let speed = 3.0
    static let probe = #"{"type":"bench_probe"}"#

    /// Sends the next point (called once a second by the device's phase slot); true when a probe is due.
    func sendPoint(_ channel: any Channel, run: LiveBenchRun) -> Bool {
        guard
            let track = state.withLock({ state -> Track? in
                guard state.streaming, var track = state.track else { return nil }
                track.seq += 1
                track.lastTime = max(LiveBenchClock.wallMilliseconds(), track.lastTime + 1)
                track.latitude += track.dLatitude
                track.longitude += track.dLongitude
                track.distance += Self.speed
                state.track = track
                return track
            })
        else { return false }
        let seq = track.seq
        let heartRate = 135 + (seq / 7) % 25
        let time = LiveBenchClock.rfc3339(milliseconds: track.lastTime)
        let message =
            #"{"type":"points","points":[{"seq":\#(seq),"time":"\#(time)","latitude":\#(track.latitude),"longitude":\#(track.longitude),"distance":\#(track.distance),"speed":\#(Self.speed),"heartRate":\#(heartRate),"cadence":85}]}"#
        let sent = LiveBenchClock.monotonic()
        state.withLock { state in
            state.pending.append((seq, sent))
            state.sentSeq[seq % Self.window] = seq
            state.sentAt[seq % Self.window] = sent
            state.pointsSent += 1
            if run.schedule.isSteady(sent) { state.steadySent += 1 }
        }
        BenchDeviceHandler.send(message, on: channel)
        return run.probeInterval > 0 && seq % run.probeInterval == 0
    }

    /// Sends a message the server answers with `invalid_message` without touching storage.
    func sendProbe(_ channel: any Channel) {
        let sent = LiveBenchClock.monotonic()
        state.withLock { $0.probes.append(sent) }
        BenchDeviceHandler.send(Self.probe, on: channel)
    }
}

/// Drives the devices' sends from 1,000 shared timers, one per millisecond of the second, instead of a
/// timer per device: 10,000 timers firing every second cost the generator more CPU than the sends.
/// Each started device joins a random slot; the slot sends every member's point, and half a second
/// later the probes that are due (when the point's write is normally done, so the probe measures the
/// connection's round trip, not the queue behind a point).
final class LivePhaseSlots: Sendable {
    /// A device and where to write its frames.
    struct Member: Sendable {
        let device: LiveDevice
        let channel: any Channel
    }

    /// The members of one phase.
    final class Slot: Sendable {
        let members = Mutex<[Member]>([])
    }

    static let count = 1_000
    /// Points not sent because their slot was more than a second late.
    let skippedPoints = Atomic<Int>(0)
    let slots = (0..<LivePhaseSlots.count).map { _ in Slot() }

    func join(_ device: LiveDevice, channel: any Channel) {
        slots[Int.random(in: 0..<Self.count)].members.withLock { $0.append(Member(device: device, channel: channel)) }
    }

    func run(_ run: LiveBenchRun) async {
        await withTaskGroup(of: Void.self) { group in
            for (index, slot) in slots.enumerated() {
                group.addTask {
                    var next = run.schedule.base + Int64(index) * (1_000_000_000 / Int64(Self.count))
                    var probes: [Member] = []
                    while next < run.schedule.steadyEnd {
                        await LiveBenchClock.sleep(until: next)
                        probes.removeAll(keepingCapacity: true)
                        for member in slot.members.withLock({ $0 }) {
                            if member.device.sendPoint(member.channel, run: run) { probes.append(member) }
                        }
                        if !probes.isEmpty {
                            await LiveBenchClock.sleep(until: next + 500_000_000)
                            for member in probes { member.device.sendProbe(member.channel) }
                        }
                        next += 1_000_000_000
                        let now = LiveBenchClock.monotonic()
                        if now > next {
                            // The generator fell more than a second behind (starved of CPU): skip the
                            // missed ticks rather than send a burst no device would send, and count them.
                            let missed = (now - next) / 1_000_000_000 + 1
                            next += missed * 1_000_000_000
                            let members = slot.members.withLock { $0.count }
                            self.skippedPoints.add(Int(missed) * members, ordering: .relaxed)
                        }
                    }
                }
            }
        }
    }
}

/// One spectator watching one device's session; measures how long each point took from its device.
final class LiveSpectator: Sendable {
    let device: LiveDevice
    let token: String
    private let state = Mutex(State())

    struct State {
        var watching = false
        var closing = false
        var snapshot = false
        var snapshotPoints = 0
        var delays: [Double] = []
        var points = 0
        var lastSeq = 0
        var gaps = 0
        var repeats = 0
        var unknownSendTime = 0
        var messages: [String: Int] = [:]
        var connectFailure: String?
        var disconnect: String?
    }

    init(device: LiveDevice, token: String) {
        self.device = device
        self.token = token
    }

    var isWatching: Bool { state.withLock { $0.watching } }
    func snapshot() -> State { state.withLock { $0 } }

    func run(_ run: LiveBenchRun) async {
        var sessionID = device.sessionID
        while sessionID == nil, LiveBenchClock.monotonic() < run.schedule.steadyEnd {
            try? await Task.sleep(for: .milliseconds(100))
            sessionID = device.sessionID
        }
        guard let session = sessionID else {
            state.withLock { $0.connectFailure = "its device has no session" }
            return
        }
        let url = run.spectatorURL + "/api/v1/realtime/live/\(session)?access_token=" + token
        do {
            let close = try await WebSocketClient.connect(
                url: url, configuration: run.configuration(maxFrameSize: 1 << 24), eventLoopGroup: run.group,
                logger: run.logger
            ) { inbound, outbound, _ in
                self.state.withLock { $0.watching = true }
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask {
                        await LiveBenchClock.sleep(until: { run.schedule.end + (run.finish ? 5_000_000_000 : 0) })
                        try Task.checkCancellation()
                        self.state.withLock { $0.closing = true }
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    var seqs: [Int] = []
                    for try await message in inbound.messages(maxSize: 1 << 24) {
                        guard case .text(let text) = message else { continue }
                        let now = LiveBenchClock.monotonic()
                        LiveFrameScanner.withBytes(text) { bytes in
                            self.handle(bytes, at: now, run: run, seqs: &seqs)
                        }
                    }
                    tasks.cancelAll()
                }
            }
            state.withLock { state in
                state.watching = false
                // After `finished` or `abandoned` the server closes by design.
                if !state.closing, state.messages["finished"] == nil, state.messages["abandoned"] == nil {
                    state.disconnect = run.closedByServer(close.map { "\($0.closeCode) \"\($0.reason ?? "")\"" })
                }
            }
        } catch {
            state.withLock { state in
                if !state.watching {
                    state.connectFailure = "\(error)"
                } else if !state.closing {
                    state.disconnect = run.ended(by: error)
                }
                state.watching = false
            }
        }
    }

    private func handle(_ bytes: UnsafeBufferPointer<UInt8>, at now: Int64, run: LiveBenchRun, seqs: inout [Int]) {
        let type = LiveFrameScanner.string(LiveFrameScanner.typeKey, in: bytes) ?? "?"
        seqs.removeAll(keepingCapacity: true)
        switch type {
        case "snapshot":
            LiveFrameScanner.integers(LiveFrameScanner.seqKey, in: bytes, into: &seqs)
            state.withLock { state in
                state.snapshot = true
                state.snapshotPoints += seqs.count
                state.lastSeq = max(state.lastSeq, seqs.last ?? 0)
            }
        case "points":
            LiveFrameScanner.integers(LiveFrameScanner.seqKey, in: bytes, into: &seqs)
            let sent = seqs.map { device.sendTime(of: $0) }
            state.withLock { state in
                for (seq, sent) in zip(seqs, sent) {
                    state.points += 1
                    if seq <= state.lastSeq {
                        state.repeats += 1
                    } else {
                        if state.lastSeq > 0, seq > state.lastSeq + 1 { state.gaps += seq - state.lastSeq - 1 }
                        state.lastSeq = seq
                    }
                    guard let sent else {
                        state.unknownSendTime += 1
                        continue
                    }
                    if run.schedule.isSteady(sent) { state.delays.append(Double(now - sent) / 1e6) }
                }
            }
        default:
            state.withLock { $0.messages[type, default: 0] += 1 }
        }
    }
}

/// Reads CPU time and resident memory of processes from `/proc`: CPU at the steady phase's start and
/// end, RSS every second from the ramp to the end.
final class LiveResourceSampler: Sendable {
    let pids: [Int32]
    /// PIDs measured with their children: CPU summed over the children alive at the end of the
    /// steady phase (a child gone before then is not counted), memory of the parent only.
    let trees: Set<Int32>
    private let state: Mutex<State>

    struct State {
        var cpuAtStart: [Int32: Double] = [:]
        var cpuAtEnd: [Int32: Double] = [:]
        var waitAtStart: [Int32: Double] = [:]
        var waitAtEnd: [Int32: Double] = [:]
        /// Each measured PID and, for trees, its children, at the end of the steady phase.
        var members: [Int32: [Int32]] = [:]
        var peakRSS: [Int32: Int] = [:]
        var peakHWM: [Int32: Int] = [:]
        var loadAtStart = ""
        var loadAtEnd = ""
        var wallSeconds = 0.0

        /// Seconds over the steady phase, from samples `start` and `end`, summed over `pid` and its
        /// children when it is a tree (a child that appeared meanwhile counts whole); nan when unknown.
        func delta(_ pid: Int32, _ start: [Int32: Double], _ end: [Int32: Double]) -> Double {
            guard wallSeconds > 0, let members = members[pid], (end[pid] ?? -1) >= 0 else { return .nan }
            return members.reduce(0) { total, member in
                guard let stop = end[member], stop >= 0 else { return total }
                return total + stop - max(0, start[member] ?? 0)
            }
        }
    }

    init(pids: [Int32], trees: Set<Int32> = []) {
        self.pids = pids
        self.trees = trees
        self.state = Mutex(State())
    }

    /// The generator itself, under the pid 0.
    var measured: [Int32] { pids + [0] }

    func snapshot() -> State { state.withLock { $0 } }

    /// Every measured PID with its children where it is a tree.
    private func members() -> [Int32: [Int32]] {
        Dictionary(
            uniqueKeysWithValues: measured.map { pid in
                (pid, [pid] + (trees.contains(pid) ? LiveBenchSystem.children(of: pid) : []))
            })
    }

    private func sample() -> (members: [Int32: [Int32]], cpu: [Int32: Double], wait: [Int32: Double]) {
        let members = members()
        let all = Set(members.values.joined())
        return (
            members, Dictionary(uniqueKeysWithValues: all.map { ($0, LiveBenchSystem.cpuSeconds($0)) }),
            Dictionary(uniqueKeysWithValues: all.map { ($0, LiveBenchSystem.runQueueSeconds($0)) })
        )
    }

    func run(_ schedule: LiveBenchSchedule) async {
        var startedAt: Int64?
        var ended = false
        var tick = schedule.base
        while true {
            let wake = startedAt == nil ? schedule.steadyStart : ended ? tick : schedule.steadyEnd
            await LiveBenchClock.sleep(until: min(tick, wake))
            let now = LiveBenchClock.monotonic()
            if startedAt == nil, now >= schedule.steadyStart {
                startedAt = now
                let (_, cpu, wait) = sample()
                let load = LiveBenchSystem.loadAverage()
                state.withLock {
                    $0.cpuAtStart = cpu
                    $0.waitAtStart = wait
                    $0.loadAtStart = load
                }
            } else if let startedAt, !ended, now >= schedule.steadyEnd {
                ended = true
                let (members, cpu, wait) = sample()
                let load = LiveBenchSystem.loadAverage()
                state.withLock {
                    $0.members = members
                    $0.cpuAtEnd = cpu
                    $0.waitAtEnd = wait
                    $0.loadAtEnd = load
                    $0.wallSeconds = Double(now - startedAt) / 1e9
                }
            }
            let memory = measured.map { ($0, LiveBenchSystem.memory($0)) }
            state.withLock { state in
                for (pid, memory) in memory {
                    state.peakRSS[pid] = max(state.peakRSS[pid] ?? 0, memory.rss)
                    state.peakHWM[pid] = max(state.peakHWM[pid] ?? 0, memory.hwm)
                }
            }
            if now >= schedule.end { return }
            while tick <= now { tick += 1_000_000_000 }
        }
    }
}

/// `/proc` and resource limits.
enum LiveBenchSystem {
    /// Raises the soft open-file limit to the hard one; returns the limit now in force.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }

    static func procPath(_ pid: Int32, _ file: String) -> String {
        pid == 0 ? "/proc/self/\(file)" : "/proc/\(pid)/\(file)"
    }

    /// User plus system CPU seconds of `pid` (0: this process), or -1 when it is gone.
    static func cpuSeconds(_ pid: Int32) -> Double {
        // utime and stime are fields 14 and 15.
        guard let fields = statFields(procPath(pid, "stat")), fields.count > 12, let user = Double(fields[11]),
            let system = Double(fields[12])
        else { return -1 }
        return (user + system) / Double(sysconf(CInt(_SC_CLK_TCK)))
    }

    /// The fields of a `/proc/…/stat` file after the command name, from field 3 (state) on; the
    /// name, in parentheses, may itself contain spaces.
    static func statFields(_ path: String) -> [Substring]? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let close = text.lastIndex(of: ")") else {
            return nil
        }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// The PIDs whose parent is `pid`.
    static func children(of pid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> Int32? in
            // The parent's PID is field 4.
            guard let child = Int32(entry), let fields = statFields("/proc/\(entry)/stat") else { return nil }
            return fields.count > 1 && Int32(fields[1]) == pid ? child : nil
        }
    }

    /// Seconds the threads of `pid` have spent runnable but waiting for a CPU (the second field of
    /// each `/proc/PID/task/TID/schedstat`), or -1. On a shared machine this tells CPU starvation from
    /// a process's own limits.
    static func runQueueSeconds(_ pid: Int32) -> Double {
        let directory = procPath(pid, "task")
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return -1 }
        var total = 0.0
        for task in tasks {
            guard let text = try? String(contentsOfFile: "\(directory)/\(task)/schedstat", encoding: .utf8) else {
                continue
            }
            let fields = text.split(separator: " ")
            if fields.count >= 2, let nanoseconds = Double(fields[1]) { total += nanoseconds }
        }
        return total / 1e9
    }

    /// Resident and peak resident set size of `pid` in KiB.
    static func memory(_ pid: Int32) -> (rss: Int, hwm: Int) {
        guard let text = try? String(contentsOfFile: procPath(pid, "status"), encoding: .utf8) else { return (0, 0) }
        var rss = 0
        var hwm = 0
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") {
                rss = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
            } else if line.hasPrefix("VmHWM:") {
                hwm = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
            }
        }
        return (rss, hwm)
    }

    /// The process's command name (`stamina`, `redis-server`).
    static func command(_ pid: Int32) -> String {
        ((try? String(contentsOfFile: procPath(pid, "comm"), encoding: .utf8)) ?? "?")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "")
            .split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// The run's figures as a table.
struct LiveBenchReport {
    let devices: [LiveDevice]
    let spectators: [LiveSpectator]
    let sampler: LiveResourceSampler
    let schedule: LiveBenchSchedule
    let users: Int
    let finish: Bool
    let skippedPoints: Int

    /// Percentiles of one sample set (milliseconds), from a sorted copy.
    struct Distribution {
        let count: Int
        let p50: Double
        let p99: Double
        let max: Double

        init(_ samples: [Double]) {
            let sorted = samples.sorted()
            count = sorted.count
            func percentile(_ p: Double) -> Double {
                sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
            }
            p50 = percentile(0.5)
            p99 = percentile(0.99)
            max = sorted.last ?? .nan
        }
    }

    /// The ack p99 of each `seconds` of the steady phase (of its first `limit` windows if given), by
    /// when the points were sent: whether the tail is spread evenly or comes from a few bad seconds.
    func ackTimeline(_ acks: [(sent: Int64, milliseconds: Double)], every seconds: Int64, limit: Int? = nil) -> String {
        let width = seconds * 1_000_000_000
        let count = max(1, Int((schedule.steady + width - 1) / width))
        var windows: [[Double]] = Array(repeating: [], count: min(count, limit ?? count))
        for ack in acks {
            let index = min(count - 1, Int((ack.sent - schedule.steadyStart) / width))
            if index < windows.count { windows[index].append(ack.milliseconds) }
        }
        return windows.map { Self.fixed(Distribution($0).p99, 1) }.joined(separator: " ")
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        value.isNaN ? "-" : String(format: "%.\(decimals)f", value)
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + padding : padding + text
    }

    func text(deviceURL: String, spectatorURL: String) -> String {
        let deviceStates = devices.map { $0.snapshot() }
        let spectatorStates = spectators.map { $0.snapshot() }
        let resources = sampler.snapshot()
        let acks = deviceStates.flatMap(\.ackLatencies)
        let ack = Distribution(acks.map(\.milliseconds))
        let delay = Distribution(spectatorStates.flatMap(\.delays))
        let probe = Distribution(deviceStates.flatMap(\.probeLatencies))
        var lines: [String] = []
        lines.append(
            "live tracking: \(devices.count) devices (\(users) users), \(spectators.count) spectators, "
                + "steady \(Self.fixed(Double(schedule.steady) / 1e9, 0)) s after a \(Self.fixed(Double(schedule.ramp) / 1e9, 0)) s ramp"
        )
        lines.append("devices → \(deviceURL), spectators → \(spectatorURL)")
        lines.append(
            "load average (1/5/15 min): \(resources.loadAtStart) at steady start, \(resources.loadAtEnd) at end")
        lines.append("")
        lines.append(
            Self.pad("latency (ms, steady phase)", 34, left: true) + Self.pad("count", 10) + Self.pad("p50", 10)
                + Self.pad("p99", 10) + Self.pad("max", 10))
        for (name, distribution) in [
            ("ack (points sent → ack)", ack), ("spectator delay (sent → spectator)", delay),
            ("probe round trip (no storage)", probe),
        ] {
            lines.append(
                Self.pad(name, 34, left: true) + Self.pad("\(distribution.count)", 10)
                    + Self.pad(Self.fixed(distribution.p50, 2), 10) + Self.pad(Self.fixed(distribution.p99, 2), 10)
                    + Self.pad(Self.fixed(distribution.max, 2), 10))
        }
        if probe.count > 0 {
            lines.append(
                "ratios to the probe: ack p50 ×\(Self.fixed(ack.p50 / probe.p50, 1)), p99 ×\(Self.fixed(ack.p99 / probe.p99, 1)); "
                    + "spectator p50 ×\(Self.fixed(delay.p50 / probe.p50, 1)), p99 ×\(Self.fixed(delay.p99 / probe.p99, 1))"
            )
        }
        let starts = deviceStates.compactMap { state in state.startedAt.map { (at: $0, since: $0 - state.connectAt) } }
        let start = Distribution(starts.map { Double($0.since) / 1e6 })
        let lastStart = starts.map(\.at).max().map { Double(max(0, $0 - schedule.rampEnd)) / 1e9 }
        lines.append(
            "session start (connect → started, every device, ms): p50 \(Self.fixed(start.p50, 2)), "
                + "p99 \(Self.fixed(start.p99, 2)), max \(Self.fixed(start.max, 2)); the last one "
                + "\(lastStart.map { Self.fixed($0, 1) } ?? "-") s after the ramp's end")
        let early = Distribution(deviceStates.flatMap(\.earlyAckLatencies))
        lines.append(
            "steady phase began \(Self.fixed(Double(schedule.steadyStart - schedule.rampEnd) / 1e9, 1)) s after the ramp's end; "
                + "acks before it (ramp and starts): \(early.count), p50 \(Self.fixed(early.p50, 2)), p99 \(Self.fixed(early.p99, 2)) ms"
        )
        lines.append("ack p99 by 10 s of the steady phase (ms): " + ackTimeline(acks, every: 10))
        lines.append("ack p99 by 1 s of its first 10 s (ms): " + ackTimeline(acks, every: 1, limit: 10))
        lines.append("")
        let steadySent = deviceStates.reduce(0) { $0 + $1.steadySent }
        let steadyAcked = deviceStates.reduce(0) { $0 + $1.steadyAcked }
        let sent = deviceStates.reduce(0) { $0 + $1.pointsSent }
        let unacked = deviceStates.reduce(0) { $0 + $1.pending.count }
        let started = deviceStates.reduce(0) { $0 + ($1.sessionID != nil ? 1 : 0) }
        let ackFrames = deviceStates.reduce(0) { $0 + $1.acks }
        let metrics = deviceStates.reduce(0) { $0 + $1.metrics }
        lines.append(
            "devices: \(started)/\(devices.count) started; points sent \(sent) (steady \(steadySent), acked \(steadyAcked)); "
                + "acks \(ackFrames), with metrics or metrics frames \(metrics); unacked at the end \(unacked)")
        lines.append("  " + Self.counts("errors", deviceStates.map(\.errors)))
        lines.append(
            "  generator overload: \(skippedPoints) points skipped because the generator ran over a second late")
        lines.append("  " + Self.reasons("connect failures", deviceStates.compactMap(\.connectFailure)))
        lines.append("  " + Self.reasons("disconnects", deviceStates.compactMap(\.disconnect)))
        if finish {
            lines.append("  finished replies: \(deviceStates.reduce(0) { $0 + ($1.finished ? 1 : 0) })/\(started)")
        }
        let received = spectatorStates.reduce(0) { $0 + $1.points }
        lines.append(
            "spectators: \(spectatorStates.reduce(0) { $0 + ($1.snapshot ? 1 : 0) })/\(spectators.count) got a snapshot "
                + "(\(spectatorStates.reduce(0) { $0 + $1.snapshotPoints }) points); points received \(received), "
                + "gaps \(spectatorStates.reduce(0) { $0 + $1.gaps }), repeats \(spectatorStates.reduce(0) { $0 + $1.repeats }), "
                + "send time unknown \(spectatorStates.reduce(0) { $0 + $1.unknownSendTime })")
        lines.append("  " + Self.counts("other frames", spectatorStates.map(\.messages)))
        lines.append("  " + Self.reasons("connect failures", spectatorStates.compactMap(\.connectFailure)))
        lines.append("  " + Self.reasons("disconnects", spectatorStates.compactMap(\.disconnect)))
        lines.append("")
        lines.append(
            Self.pad("process", 12, left: true) + Self.pad("pid", 9) + Self.pad("CPU % of a core", 17)
                + Self.pad("waiting for CPU %", 19) + Self.pad("peak RSS MiB", 14) + Self.pad("VmHWM MiB", 11))
        for pid in sampler.measured {
            let cpu = resources.delta(pid, resources.cpuAtStart, resources.cpuAtEnd) / resources.wallSeconds * 100
            let wait = resources.delta(pid, resources.waitAtStart, resources.waitAtEnd) / resources.wallSeconds * 100
            let name = pid == 0 ? "generator" : LiveBenchSystem.command(pid) + (sampler.trees.contains(pid) ? "+" : "")
            lines.append(
                Self.pad(name, 12, left: true)
                    + Self.pad(pid == 0 ? "self" : "\(pid)", 9) + Self.pad(Self.fixed(cpu, 1), 17)
                    + Self.pad(Self.fixed(wait, 1), 19)
                    + Self.pad(Self.fixed(Double(resources.peakRSS[pid] ?? 0) / 1024, 1), 14)
                    + Self.pad(Self.fixed(Double(resources.peakHWM[pid] ?? 0) / 1024, 1), 11))
        }
        return lines.joined(separator: "\n")
    }

    static func counts(_ label: String, _ maps: [[String: Int]]) -> String {
        var total: [String: Int] = [:]
        for map in maps { total.merge(map, uniquingKeysWith: +) }
        guard !total.isEmpty else { return "\(label): none" }
        return "\(label): "
            + total.sorted { $0.value > $1.value }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
    }

    static func reasons(_ label: String, _ reasons: [String]) -> String {
        counts(label, reasons.map { [String($0.prefix(160)): 1] })
    }
}
