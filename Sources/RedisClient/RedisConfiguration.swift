/// Where and how to reach Redis.
public struct RedisConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: Int
    /// Sent with AUTH after connecting, with ``username`` if set (Redis 6 ACL users).
    public var password: String?
    public var username: String?
    /// Connections for commands (at least one); each carries many pipelined commands at once. Subscriptions have
    /// their own.
    public var poolSize: Int
    public var connectTimeout: Duration
    /// A command without a reply after this long fails with ``RedisError/Code/timeout`` and its connection closes.
    public var commandTimeout: Duration
    /// A connection that has received nothing for this long is sent a PING; without a reply within the command
    /// timeout it is closed (and a subscription re-subscribes). This catches connections that died silently, as
    /// in a network partition, which TCP alone would notice only after hours. nil turns it off.
    public var healthCheckInterval: Duration?
    /// Reconnect attempts back off exponentially from the base delay to the maximum, with jitter.
    public var reconnectBaseDelay: Duration
    public var reconnectMaxDelay: Duration
    /// Messages a subscription holds for a slow consumer (at least one); beyond that the oldest are dropped, with a
    /// warning.
    public var subscriptionBufferSize: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        database: Int = 0,
        password: String? = nil,
        username: String? = nil,
        poolSize: Int = 4,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5),
        healthCheckInterval: Duration? = .seconds(30),
        reconnectBaseDelay: Duration = .milliseconds(100),
        reconnectMaxDelay: Duration = .seconds(2),
        subscriptionBufferSize: Int = 10_000
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.password = password
        self.username = username
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.healthCheckInterval = healthCheckInterval
        self.reconnectBaseDelay = reconnectBaseDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.subscriptionBufferSize = subscriptionBufferSize
    }

    /// Parses `redis://[[username]:password@]host[:port][/db]`; the password may be percent-encoded and an IPv6
    /// host is written in brackets. Other settings keep their defaults.
    public init(url: String) throws {
        func invalid(_ reason: String) -> RedisError {
            // Not the URL itself: it may hold a password.
            RedisError(code: .invalidConfiguration, message: "invalid Redis URL: \(reason)")
        }
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else { throw invalid("expected redis://") }
        var rest = url.dropFirst(scheme.count)
        self.init()

        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userInfo.firstIndex(of: ":")
            let user = colon.map { userInfo[..<$0] } ?? ""
            let password = colon.map { userInfo[userInfo.index(after: $0)...] } ?? userInfo
            guard let user = Self.percentDecoded(user), let password = Self.percentDecoded(password) else {
                throw invalid("bad percent-encoding")
            }
            self.username = user.isEmpty ? nil : user
            self.password = password.isEmpty ? nil : password
        }
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let database = Int(path), database >= 0 else { throw invalid("bad database number") }
                self.database = database
            }
        }
        var portText: Substring?
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let afterHost = rest[rest.index(after: close)...]
            if !afterHost.isEmpty {
                guard afterHost.first == ":" else { throw invalid("unexpected text after host") }
                portText = afterHost.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw invalid("missing host") }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw invalid("bad port") }
            self.port = port
        }
    }

    /// `host:port`, for messages.
    var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// AUTH and SELECT as needed on every new connection.
    var handshakeCommands: [RESPCommand] {
        var commands: [RESPCommand] = []
        if let password {
            let credentials = [username.map { RESPArgument($0) }, RESPArgument(password)].compactMap { $0 }
            commands.append(RESPCommand(name: "AUTH", arguments: credentials))
        }
        if database != 0 {
            commands.append(RESPCommand(name: "SELECT", arguments: [RESPArgument(database)]))
        }
        return commands
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.next(), let low = utf8.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
