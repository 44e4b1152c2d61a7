import NIOPosix

/// Runs the engine's synchronous calls (SQLite, fsync, libsodium) on threads of their own, so
/// that they never block a NIO event loop or Swift's cooperative pool (DESIGN §10). A read or
/// a logged decision leaves its thread once decided and awaits its log entry without one
/// (`Routes.gated`); a share, logged in its own write transaction, holds its thread until
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

    /// Lets the calls in progress finish and stops the threads (after the server has drained).
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
