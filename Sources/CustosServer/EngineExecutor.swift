import NIOPosix

/// Runs the engine's synchronous calls (SQLite, fsync, libsodium) on threads of their own, so
/// that they never block a NIO event loop or Swift's cooperative pool (DESIGN §10). A call
/// that waits for its group commit holds its thread, so up to `threads` decisions share one
/// fsync. A Dispatch queue ran about two threads (a thread blocked on a semaphore looks busy to
/// it: groups of one or two); 16 threads measured better than 64 on two cores (logged decisions
/// 2,415/s against 2,104/s: fewer threads contending for the CPU), and groups of 16 are far
/// above what the read path's CPU cost lets arrive during one fsync today.
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

    /// Lets the calls in progress finish and stops the threads (after the server has drained).
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
