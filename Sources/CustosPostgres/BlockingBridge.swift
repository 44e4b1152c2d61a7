import Dispatch

/// Runs PostgreSQL work (postgres-nio is async) for the engine's synchronous store calls.
///
/// The engine calls the store from threads that may block: the server's engine thread pool
/// and the CLI's main thread, never an event loop or the cooperative pool (DESIGN §10). The
/// calling thread waits on a semaphore while a task runs the work on the cooperative pool and
/// postgres-nio's event loops, so no thread the work needs is the one that waits.
package enum BlockingBridge {
    /// Hands a value across the semaphore. The waiting thread reads it only after the task
    /// has written it and signalled, so the two never touch it at once.
    private final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }

    /// Carries a closure or value that is not `Sendable` to the task. Safe for the same
    /// reason: the thread that made it is blocked until the task is done with it.
    package struct Handed<T>: @unchecked Sendable {
        package let value: T
        package init(_ value: T) { self.value = value }
    }

    /// How long a call waits for the database before it fails: a lost server must become an
    /// error the caller can act on (deny, 503), not a thread that waits while the pool keeps
    /// retrying its connections (postgres-nio does not fail a waiting lease early).
    package static let deadline: Duration = .seconds(5)

    /// `deadline` nil: no limit, for an officer's long command (a key rotation rewraps every key).
    package static func wait<T>(deadline: Duration? = deadline, _ work: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        let handed = Handed(outcome)
        Task {
            do {
                let value = try await withThrowingTaskGroup(of: Handed<T>?.self) { group in
                    group.addTask { Handed(try await work()) }
                    if let deadline {
                        group.addTask {
                            try await Task.sleep(for: deadline)
                            return nil
                        }
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next(), let value = first else {
                        throw PostgresStoreError.unavailable("no answer within \(deadline ?? .zero)")
                    }
                    return value.value
                }
                handed.value.result = .success(value)
            } catch {
                handed.value.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        return try outcome.result!.get()
    }
}
