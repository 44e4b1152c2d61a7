import Dispatch
import Synchronization

/// Runs PostgreSQL work (postgres-nio is async) for the engine's synchronous store calls.
///
/// The engine calls the store from threads that may block: the server's engine thread pool
/// and the CLI's main thread, never an event loop or the cooperative pool (DESIGN §10). The
/// calling thread waits on a semaphore while a task runs the work on the cooperative pool and
/// postgres-nio's event loops, so no thread the work needs is the one that waits.
package enum BlockingBridge {
    /// Hands the result across the semaphore; after a deadline nobody reads it any more, and
    /// the task may still write it late.
    private final class Outcome<T>: @unchecked Sendable {
        // Only a `Result` is kept here, written once under the lock; `T` itself may not be
        // Sendable (a caller's value), which is why the box is unchecked.
        private let lock = Mutex<Void>(())
        private var stored: Result<T, any Error>?
        func set(_ result: Result<T, any Error>) { lock.withLock { _ in stored = result } }
        var result: Result<T, any Error>? { lock.withLock { _ in stored } }
    }

    /// Carries a closure or value that is not `Sendable` to the task. Safe because the thread
    /// that made it is blocked until the task is done with it (or has given up on it).
    package struct Handed<T>: @unchecked Sendable {
        package let value: T
        package init(_ value: T) { self.value = value }
    }

    /// How long a call waits for the database without an answer before it fails: a lost server
    /// must become an error the caller can act on (deny, 503), not a thread that waits while
    /// the pool keeps retrying its connections (postgres-nio does not fail a waiting lease
    /// early). It bounds silence, not the work: an officer's command over the whole vault (an
    /// import, a sweep, `audit verify`) reports each answer with `beat()` and runs as long as
    /// answers keep coming. A whole-work bound failed a 300-subject sweep on a loaded machine.
    package static let deadline: Duration = .seconds(5)

    /// The answers a piece of work has had, counted by `beat()`; the waiting thread compares
    /// it between deadlines.
    package final class Heartbeat: Sendable {
        fileprivate let beats = Atomic<Int>(0)
    }

    /// The heartbeat of the work this task runs for a waiting thread, if any.
    @TaskLocal package static var heartbeat: Heartbeat?

    /// Tells the waiting thread that the database answered (a row of a long scan, one subject
    /// of a bulk command), so the deadline starts again. Costs a task-local read and an atomic
    /// add: call it per row or per item of work whose count grows with the vault.
    package static func beat() {
        heartbeat?.beats.add(1, ordering: .relaxed)
    }

    /// `deadline` nil: no limit, for an officer's command with a statement that can outlast it
    /// (a key rotation's rewrap of every key, VACUUM, a log prune's DELETE).
    /// When `deadline` passes with no `beat()`, the work is cancelled and left to finish on its
    /// own: the caller does not wait for a task that may wait for a server that is gone.
    package static func wait<T>(deadline: Duration? = deadline, _ work: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        let handed = Handed(outcome)
        let answers = Heartbeat()
        let task = Task {
            do {
                handed.value.set(.success(try await $heartbeat.withValue(answers) { try await work() }))
            } catch {
                handed.value.set(.failure(error))
            }
            done.signal()
        }
        if let deadline {
            let (seconds, attoseconds) = deadline.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            var beats = 0
            while done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .timedOut {
                let now = answers.beats.load(ordering: .relaxed)
                guard now != beats else {
                    task.cancel()
                    throw PostgresStoreError.unavailable("no answer within \(deadline)")
                }
                beats = now
            }
        } else {
            done.wait()
        }
        return try outcome.result!.get()
    }

    /// The deadline for a caller that awaits instead of blocking (the server's log append):
    /// the first of the work's answer and `deadline` resumes it. Past the deadline the work
    /// is cancelled and left to finish on its own, as `wait` leaves it: postgres-nio does not
    /// fail a waiting lease early, so awaiting the work itself could wait for as long.
    package static func awaiting<T: Sendable>(deadline: Duration = deadline, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let answer = FirstAnswer<T>()
        return try await withCheckedThrowingContinuation { continuation in
            answer.hold(continuation)
            let worker = Task {
                do { answer.give(.success(try await work())) } catch { answer.give(.failure(error)) }
            }
            let timer = Task {
                try await Task.sleep(for: deadline)
                worker.cancel()
                answer.give(.failure(PostgresStoreError.unavailable("no answer within \(deadline)")))
            }
            answer.whenGiven { timer.cancel() }
        }
    }

    /// Resumes its continuation once, with the first answer given.
    private final class FirstAnswer<T: Sendable>: Sendable {
        private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, given: Bool, onGiven: (@Sendable () -> Void)?)>((nil, false, nil))

        func hold(_ continuation: CheckedContinuation<T, any Error>) { state.withLock { $0.continuation = continuation } }

        func give(_ result: Result<T, any Error>) {
            let (continuation, onGiven) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
                guard !state.given else { return (nil, nil) }
                state.given = true
                defer { state.continuation = nil; state.onGiven = nil }
                return (state.continuation, state.onGiven)
            }
            continuation?.resume(with: result)
            onGiven?()
        }

        /// Runs `body` once an answer is given (at once if one already was).
        func whenGiven(_ body: @escaping @Sendable () -> Void) {
            let already = state.withLock { state -> Bool in
                if state.given { return true }
                state.onGiven = body
                return false
            }
            if already { body() }
        }
    }
}
