/// Runs `body` while `database` runs (its pool is up), then stops the database.
///
/// For commands and tests that use a database outside a service group.
public func withRunning<T: Sendable>(_ database: any Database, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await database.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}
