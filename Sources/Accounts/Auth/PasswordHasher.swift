import HummingbirdBcrypt
import NIOPosix

/// bcrypt on a thread pool of its own, so that hashing (tens to hundreds of milliseconds) never
/// runs on an event loop or starves the pool SQLite uses.
public struct PasswordHasher: Sendable {
    /// bcrypt cost (log2 rounds); 12 by default, lower only in tests.
    public let cost: UInt8
    private let pool: NIOThreadPool

    public init(cost: UInt8, pool: NIOThreadPool) {
        self.cost = cost
        self.pool = pool
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await pool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await pool.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
