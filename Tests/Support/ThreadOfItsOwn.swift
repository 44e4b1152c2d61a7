import Foundation
import Synchronization

/// Runs `body`, which blocks (the engine's synchronous calls), on a thread of its own rather
/// than on Swift's cooperative pool, which a blocked pool thread would starve (a PostgreSQL
/// vault's calls are answered by tasks on that pool).
///
/// The body stays in the calling task, on a task executor with one thread: so the running
/// test stays current and an `#expect` that fails inside it is reported against its test. A
/// detached `Thread` ran it outside any task, where a failure counted only as an issue of no
/// test («unknown»).
///
/// ```swift
/// let engine = try await onAThreadOfItsOwn { try PrivacyEngine.open(...) }
/// ```
public func onAThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let thread = OneThreadExecutor()
    defer { thread.finish() }
    return try await withTaskExecutorPreference(thread) { try body() }
}

/// A task executor that runs every job on one thread of its own, in order, until `finish`.
final class OneThreadExecutor: TaskExecutor {
    private struct Queue {
        var jobs: [UnownedJob] = []
        var finished = false
    }

    private let queue = Mutex(Queue())
    private let waiting = DispatchSemaphore(value: 0)

    init() {
        Thread.detachNewThread { [self] in run() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.jobs.append(job) }
        waiting.signal()
    }

    /// Lets the thread end once the jobs queued so far have run.
    func finish() {
        queue.withLock { $0.finished = true }
        waiting.signal()
    }

    private func run() {
        while true {
            waiting.wait()
            let next: UnownedJob?? = queue.withLock { queue in
                if !queue.jobs.isEmpty { return .some(queue.jobs.removeFirst()) }
                return queue.finished ? .some(nil) : nil
            }
            switch next {
            case .some(.some(let job)): job.runSynchronously(on: asUnownedTaskExecutor())
            case .some(.none): return
            case .none: continue
            }
        }
    }
}
