import Synchronization

/// Tells waiters that a transaction that appended events committed (in this process, or, on
/// PostgreSQL, in another one that notified), so that event dispatch starts right after the commit
/// instead of at the next poll.
///
/// A waiter passes the generation it last saw; a commit that happened since returns at once, so a
/// signal sent while nobody waited is never lost.
public final class CommitSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waiters resumed (by timeout) before they registered.
        var released: Set<UInt64> = []
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The number of commits signalled so far.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Wakes every waiter.
    public func signal() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            let waiters = state.waiters.values
            state.waiters = [:]
            return Array(waiters)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when a commit after `generation` has been signalled, or after `timeout`.
    public func wait(after generation: UInt64, timeout: Duration) async {
        let id: UInt64? = state.withLock { state in
            guard state.generation == generation else { return nil }
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        guard let id else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if state.released.remove(id) != nil || state.generation != generation { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.release(id)
            }
            await group.next()
            group.cancelAll()
        }
        // Both children are done: forget a release that came after the signal.
        _ = state.withLock { $0.released.remove(id) }
    }

    private func release(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
            state.released.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
