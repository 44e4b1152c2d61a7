import NIOPosix

/// Runs the engine's synchronous calls (SQLite, fsync, libsodium) on threads of their own, so
/// that they never block a NIO event loop or Swift's cooperative pool (DESIGN §10). The pool
/// is as wide as the decision log's useful group: a call that waits for its group commit holds
/// its thread, so with N threads up to N decisions share one fsync. (A Dispatch queue gave
/// about two threads, since a thread blocked on a semaphore looks busy to it: groups of one or
/// two and a tenth of the throughput.)
final class EngineExecutor: Sendable {
    static let threads = 64
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
