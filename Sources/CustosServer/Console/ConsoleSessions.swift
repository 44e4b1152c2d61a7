import Foundation
import Custos
import CustosPolicy
import CustosStore

/// Console sessions: a 256-bit id in an `HttpOnly`, `SameSite=Strict` cookie scoped to
/// `/console` on the internal listener; it ends after `idle` without a request (counted to the
/// minute) and after `longest` in any case. Kept in the vault (`WebSessionStore`), not in this
/// process: every server on the vault knows it, and a restart signs nobody out.
struct ConsoleSessions: Sendable {
    struct Session: Sendable {
        var account: String
        /// When the account was made: a session belongs to that account only, not to one made
        /// later under the same name (`officer remove` and `add` end every session of the old one).
        var accountCreatedAt: Int64?
    }

    let store: any WebSessionStore
    let executor: EngineExecutor
    let idle: Duration
    let longest: Duration
    /// The wall clock sessions age by (a test's own in tests; never the engine's `--at` clock).
    let clock: @Sendable () -> Instant

    init(store: any WebSessionStore, executor: EngineExecutor, idle: Duration = .seconds(15 * 60), longest: Duration = .seconds(10 * 3600),
         clock: @escaping @Sendable () -> Instant = { .now }) {
        (self.store, self.executor, self.idle, self.longest, self.clock) = (store, executor, idle, longest, clock)
    }

    func start(account: String, createdAt: Instant) async throws -> String {
        let (store, longest, now) = (store, Self.milliseconds(longest), clock())
        let holder = [account, String(createdAt.millisecondsSinceEpoch)]
        return try await executor.run { try store.startWebSession(.console, holder: holder, longest: longest, at: now) }
    }

    /// The session if it is alive, its idle clock restarted; nil (and forgotten) otherwise.
    func touch(_ id: String) async throws -> Session? {
        let (store, idle, now) = (store, Self.milliseconds(idle), clock())
        let session = try await executor.run { try store.webSession(.console, cookie: id, idle: idle, at: now) }
        return session?.holder.first.map { Session(account: $0, accountCreatedAt: session?.holder.dropFirst().first.flatMap { Int64($0) }) }
    }

    func end(_ id: String) async throws {
        let store = store
        try await executor.run { try store.endWebSession(.console, cookie: id) }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
