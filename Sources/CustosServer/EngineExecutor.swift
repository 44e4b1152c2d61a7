import NIOPosix

/// Runs the engine's synchronous calls (SQLite, fsync, libsodium) on threads of their own, so
/// that they never block a NIO event loop or Swift's cooperative pool (DESIGN §10). A read or
/// a logged decision leaves its thread once decided and its log entry queued, and is answered
/// when the entry is durable without holding a thread (`Routes.gated`); a share, logged in its own write transaction, holds its thread until
/// that commits, so up to `threads` shares wait for one fsync. A Dispatch queue ran about two
/// threads (a thread blocked on a semaphore looks busy to it: groups of one or two); 16
/// threads measured better than 64 on two cores (logged decisions 2,415/s against 2,104/s:
/// fewer threads contending for the CPU).
final class EngineExecutor: Sendable {
    static let threads = 16
    private let pool: NIOThreadPool

    init(threads: Int = EngineExecutor.threads) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Starts `body` on an engine thread and suspends until `body` calls the answer it is given,
    /// which it may do later and from another thread: a gated call decides here and is answered
    /// by the log's committer once its entry is durable, so the request's task suspends once
    /// for both steps (`GatedAccess.gate(_:releaseValues:answer:)`).
    func answer<T: Sendable>(_ body: @escaping @Sendable (_ answer: @escaping @Sendable (T) -> Void) -> Void) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            pool.submit { state in
                guard case .active = state else { return continuation.resume(throwing: NIOThreadPoolError.ThreadPoolInactive()) }
                body { continuation.resume(returning: $0) }
            }
        }
    }

    /// Lets the calls in progress finish and stops the threads (after the server has drained).
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
