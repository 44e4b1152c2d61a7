import Dispatch

/// Runs the engine's synchronous calls (SQLite, fsync, libsodium) on threads of their own, so
/// that they never block a NIO event loop or Swift's cooperative pool (DESIGN §10). The group
/// commit of the decision log still gathers concurrent callers: each waits on its own thread.
struct EngineExecutor: Sendable {
    private let queue = DispatchQueue(label: "custos.engine", qos: .userInitiated, attributes: .concurrent)

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
