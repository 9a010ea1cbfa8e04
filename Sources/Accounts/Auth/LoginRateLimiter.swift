import Foundation
import Synchronization

/// Counts login attempts per key (an account or an address) in fixed windows and refuses keys
/// that used up their allowance until their window ends.
///
/// In-process: each server process keeps its own counts.
public final class LoginRateLimiter: Sendable {
    public struct Limit: Sendable, Equatable {
        public var attempts: Int
        public var window: TimeInterval

        public init(attempts: Int, window: TimeInterval) {
            self.attempts = attempts
            self.window = window
        }
    }

    private struct Window {
        var start: Date
        var count: Int
    }

    private let limit: Limit
    private let windows = Mutex<[String: Window]>([:])
    /// Above this many keys, expired windows are swept on the next record.
    private let sweepThreshold = 10_000

    public init(limit: Limit) {
        self.limit = limit
    }

    /// Seconds until `key` may try again, or `nil` when it may try now.
    public func retryAfter(_ key: String, now: Date) -> Int? {
        windows.withLock { windows in
            guard let window = windows[key], now.timeIntervalSince(window.start) < limit.window,
                window.count >= limit.attempts
            else { return nil }
            return max(1, Int((window.start.addingTimeInterval(limit.window).timeIntervalSince(now)).rounded(.up)))
        }
    }

    /// Counts one attempt by `key`.
    public func record(_ key: String, now: Date) {
        windows.withLock { windows in
            if windows.count > sweepThreshold {
                windows = windows.filter { now.timeIntervalSince($0.value.start) < limit.window }
            }
            if var window = windows[key], now.timeIntervalSince(window.start) < limit.window {
                window.count += 1
                windows[key] = window
            } else {
                windows[key] = Window(start: now, count: 1)
            }
        }
    }

    /// Forgets `key`'s attempts (after a successful login).
    public func reset(_ key: String) {
        _ = windows.withLock { $0.removeValue(forKey: key) }
    }
}
