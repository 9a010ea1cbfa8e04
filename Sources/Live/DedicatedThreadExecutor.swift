import Foundation

/// A task executor with a thread of its own. A task that prefers it (`withTaskExecutorPreference`)
/// resumes here after every `await` instead of queueing in the shared cooperative pool behind
/// whatever floods it: during a mass start, thousands of session starts a second kept the live
/// point writer's batches waiting there for seconds, and every device waited for its ack with them.
/// Synchronous work the task does (an SQLite write) blocks this thread, not one of the pool's.
/// The thread lives as long as the process.
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    /// The live point writers' thread.
    static let livePointWriter = DedicatedThreadExecutor(name: "live-writer")

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var jobs: [UnownedJob] = []

    /// `name` shows in `top -H` and profilers: at most 15 bytes, the limit of a Linux thread name
    /// (a longer one is refused and the thread keeps its creator's).
    init(name: String) {
        precondition(name.utf8.count <= 15, "a Linux thread name has at most 15 bytes")
        // Named from inside: Foundation on Linux does not pass a name set before `start()` on.
        let thread = Thread { [self] in
            Thread.current.name = name
            run()
        }
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
