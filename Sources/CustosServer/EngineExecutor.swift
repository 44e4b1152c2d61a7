import NIOCore
import NIOPosix

/// Runs the engine's synchronous calls (SQLite, fsync, libsodium) on threads of their own, so
/// that they never block a NIO event loop or Swift's cooperative pool (DESIGN §10), in two
/// pools by how long a call may hold its thread.
///
/// A read or a logged decision (`answer`) only reads and decides: it leaves its thread once its
/// log entry is queued, and is answered when the entry is durable without holding a thread
/// (`Routes.gated`). Over SQLite those run on one thread per core: their reads take
/// microseconds and wait for nothing, so more threads only take turns on the cores, and each
/// turn is a sleep and a wake-up. Against sixteen, gated reads under 64 connections rose from
/// 9.1–12.5 to 10.2–15.8 k/s, higher in eight alternated pairs of eight (BENCHMARKS.md, 3 December).
/// Over PostgreSQL every read waits for a round trip, so they get as many threads as the
/// blocking pool. Everything that may wait for a write transaction or its fsync (`run`: a
/// share, logged in its own transaction; stores, consents, requests, the console's pages) runs
/// on sixteen threads of its own, so that such calls neither wait for the reads' threads nor
/// stop them, and up to sixteen shares wait for one fsync. (A Dispatch queue ran about two
/// threads for calls blocked on a semaphore; 64 threads measured slower than 16.)
final class EngineExecutor: Sendable {
    static let blockingThreads = 16
    /// The deciding threads for reads that wait for nothing: one per core, at least two.
    static var oneThreadPerCore: Int { max(2, System.coreCount) }
    private let blocking: NIOThreadPool
    private let deciding: NIOThreadPool

    init(blockingThreads: Int = EngineExecutor.blockingThreads, decidingThreads: Int) {
        blocking = NIOThreadPool(numberOfThreads: blockingThreads)
        deciding = NIOThreadPool(numberOfThreads: decidingThreads)
        blocking.start()
        deciding.start()
    }

    /// Runs `body`, which may wait for a write transaction or an fsync, on the blocking pool.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await blocking.runIfActive(body)
    }

    /// Starts `body` on a deciding thread and suspends until `body` calls the answer it is
    /// given, which it may do later and from another thread: a gated read or logged decision
    /// decides here and is answered by the log's committer once its entry is durable, so the
    /// request's task suspends once for both steps (`GatedAccess.gate(_:releaseValues:answer:)`).
    /// `body` must not wait for a write (a share goes through `run`): the deciding threads are
    /// few, and one that waits stops every read behind it.
    func answer<T: Sendable>(_ body: @escaping @Sendable (_ answer: @escaping @Sendable (T) -> Void) -> Void) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            deciding.submit { state in
                guard case .active = state else { return continuation.resume(throwing: NIOThreadPoolError.ThreadPoolInactive()) }
                body { continuation.resume(returning: $0) }
            }
        }
    }

    /// Lets the calls in progress finish and stops the threads (after the server has drained).
    func shutdown() async {
        try? await deciding.shutdownGracefully()
        try? await blocking.shutdownGracefully()
    }
}
