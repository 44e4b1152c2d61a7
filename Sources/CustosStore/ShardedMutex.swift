import Synchronization

/// State split into sixteen parts by key, each behind its own `Mutex`, for the caches every
/// gated read and token check consults from all of the server's engine threads at once. One
/// lock there was the most contended in the process: a `Mutex` spins before it sleeps, and on
/// two cores its holder is often a thread the scheduler has just preempted. Each part is
/// independent, so whatever rule a cache keeps (a generation, a commit mark) it keeps per part.
///
/// ```swift
/// let parts = ShardedMutex { [String: Int]() }
/// parts.withLock(for: "D-1") { $0["D-1"] = 1 }
/// ```
final class ShardedMutex<State: Sendable>: Sendable {
    static var count: Int { 16 }

    private final class Part: Sendable {
        let state: Mutex<State>
        init(_ state: sending State) { self.state = Mutex(state) }
    }

    private let parts: [Part]

    init(_ make: () -> State) {
        parts = (0..<Self.count).map { _ in Part(make()) }
    }

    /// Runs `body` on the part that holds `key`, under that part's lock alone.
    func withLock<Result>(for key: some Hashable, _ body: (inout sending State) throws -> sending Result) rethrows -> sending Result {
        try parts[Int(UInt(bitPattern: key.hashValue) % UInt(Self.count))].state.withLock(body)
    }
}
