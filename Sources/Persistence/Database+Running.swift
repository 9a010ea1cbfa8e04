import ServiceLifecycle

/// Runs `body` while `database` runs (its pool is up), then stops the database.
///
/// For commands and tests that use a database outside a service group.
public func withRunning<T: Sendable>(_ database: any Database, _ body: () async throws -> T) async throws -> T {
    try await withRunning([database], body)
}

/// Runs `body` while `services` run, then cancels them and waits for them to end.
public func withRunning<T: Sendable>(_ services: [any Service], _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services {
            group.addTask { try await service.run() }
        }
        defer { group.cancelAll() }
        return try await body()
    }
}
