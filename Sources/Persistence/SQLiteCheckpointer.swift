import Dispatch
import Synchronization

/// Checkpoints an SQLite database's WAL on a connection and thread of its own, so that commits
/// rarely pay for one.
///
/// SQLite's automatic checkpoint runs inside the commit that grows the WAL past
/// `wal_autocheckpoint` pages: that commit waits while the WAL is copied into the database file and
/// synced, about 10–20 ms for a few megabytes here (an upload of 50,000 points writes about 2 MB).
/// The writer turns it off (`PRAGMA wal_autocheckpoint=0`) and reports each commit here instead
/// (`SQLiteConnection.checkpoint(with:)`); past `threshold` pages a `PASSIVE` checkpoint runs on
/// a serial queue, beside later commits and reads, which WAL mode allows. The next one waits until
/// the WAL has grown by another quarter of `threshold`: a checkpoint copies each page once however
/// often it was written since the last one, so running them back to back, as often as small commits
/// arrive, would only add two syncs per commit (measured: about one checkpoint per commit of the
/// event benchmark, which doubled the cost of a small write). Large commits (an upload) still get
/// one each, which keeps the copy the writer may have to wait for (below) short.
///
/// SQLite starts the WAL over at the first write after a checkpoint that copied every frame. Under
/// a steady stream of commits a checkpoint beside them never quite catches up, so past `limit`
/// pages the committing connection waits for the one beside it, if any, and checkpoints itself, as
/// SQLite would have at `threshold`: the WAL stays bounded.
final class SQLiteCheckpointer: Sendable {
    /// SQLite's default `wal_autocheckpoint`: 1,000 pages, about 4 MB.
    static let defaultThreshold = 1_000

    /// What a commit does about the WAL.
    enum Action {
        case nothing, scheduled
        /// Checkpoint on the committing connection, now.
        case now
    }

    private let connection: SQLiteConnection
    private let threshold: Int
    private let limit: Int
    private let queue = DispatchQueue(label: "stamina.sqlite.checkpoint")
    private let state: Mutex<State>

    private struct State {
        var scheduled = false
        var completed = 0
        /// The WAL's size at which the next checkpoint is scheduled.
        var next: Int
        /// The WAL's size at the last commit: a smaller one means SQLite started it over.
        var last = 0
    }

    init(connection: SQLiteConnection, threshold: Int = defaultThreshold) {
        self.connection = connection
        self.threshold = threshold
        self.limit = 4 * threshold
        self.state = Mutex(State(next: threshold))
    }

    /// The checkpoints run so far.
    var completed: Int { state.withLock { $0.completed } }

    /// Called by SQLite on the committing thread with the WAL's size in pages: past the threshold,
    /// and then past each further quarter of it, schedules a checkpoint unless one is already
    /// waiting; past the limit asks for one now. Never blocks.
    func committed(walPages: Int) -> Action {
        let action = state.withLock { state -> Action in
            if walPages < state.last { state.next = threshold }
            state.last = walPages
            if walPages >= limit { return .now }
            guard walPages >= state.next, !state.scheduled else { return .nothing }
            state.scheduled = true
            state.next = walPages + max(1, threshold / 4)
            return .scheduled
        }
        if action == .scheduled { queue.async { self.run() } }
        return action
    }

    private func run() {
        // Cleared first: a commit during this checkpoint schedules the next one.
        state.withLock { $0.scheduled = false }
        // A failure (the database closing, say) leaves the WAL to the next checkpoint, or to the
        // one SQLite runs when the last connection closes.
        _ = try? connection.query(key: nil, sql: { "PRAGMA wal_checkpoint(PASSIVE)" }, binds: [])
        state.withLock { $0.completed += 1 }
    }

    /// Waits until no checkpoint runs or waits to run here.
    func waitUntilIdle() {
        queue.sync {}
    }

    /// Waits for a running checkpoint, then closes the checkpoint connection.
    func close() {
        waitUntilIdle()
        connection.close()
    }
}
