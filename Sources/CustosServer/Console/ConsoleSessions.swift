import Foundation
import Custos
import Synchronization
import CustosStore

/// Console sessions: a 256-bit id in an `HttpOnly`, `SameSite=Strict` cookie scoped to
/// `/console` on the internal listener; it ends after `idle` without a request and after
/// `longest` in any case. Kept in memory: a restart signs everyone out (issue 19 moves it to
/// the shared store for several servers).
final class ConsoleSessions: Sendable {
    struct Session: Sendable {
        var account: String
        var started: ContinuousClock.Instant
        var lastSeen: ContinuousClock.Instant
    }

    private let sessions = Mutex<[String: Session]>([:])
    let idle: Duration
    let longest: Duration
    /// The clock sessions age by (a test's own in tests).
    let clock: @Sendable () -> ContinuousClock.Instant

    init(idle: Duration = .seconds(15 * 60), longest: Duration = .seconds(10 * 3600), clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.idle = idle
        self.longest = longest
        self.clock = clock
    }

    func start(account: String) -> String {
        let id = RandomToken.make()
        let now = clock()
        sessions.withLock { sessions in
            if sessions.count > 1_000 { sessions = sessions.filter { live($0.value, now) } }
            sessions[id] = Session(account: account, started: now, lastSeen: now)
        }
        return id
    }

    /// The session if it is alive, its idle clock restarted; nil (and forgotten) otherwise.
    func touch(_ id: String) -> Session? {
        let now = clock()
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard live(session, now) else { sessions[id] = nil; return nil }
            session.lastSeen = now
            sessions[id] = session
            return session
        }
    }

    func end(_ id: String) { _ = sessions.withLock { $0.removeValue(forKey: id) } }

    private func live(_ session: Session, _ now: ContinuousClock.Instant) -> Bool {
        now - session.lastSeen < idle && now - session.started < longest
    }
}
