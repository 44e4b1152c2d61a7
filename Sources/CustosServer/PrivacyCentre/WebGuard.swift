import Foundation
import Custos
import Synchronization
import CustosStore

/// The privacy centre's defences (DESIGN §11): CSRF tokens bound to the visitor's cookie and
/// usable once, sessions after an e-mail code, and rate limits per client address and per
/// e-mail address. Kept in memory: a restart ends sessions and forgets counts (the e-mail
/// limit also counts the vault's challenges, which survive it).
final class WebGuard: Sendable {
    struct Session: Sendable {
        var subjects: [String]
        var expires: ContinuousClock.Instant
        var flash: String?
    }

    /// The vault keyring's keyed hash: CSRF MACs and client references are keyed per vault.
    private let keyedDigest: @Sendable (_ domain: String, _ input: String) -> Data
    private let usedNonces = Mutex<[String: ContinuousClock.Instant]>([:])
    private let sessions = Mutex<[String: Session]>([:])
    private let counters = Mutex<[String: (start: ContinuousClock.Instant, count: Int)]>([:])
    static let tokenLifetime: Duration = .seconds(3600)
    static let sessionLifetime: Duration = .seconds(1800)

    init(keyring: Keyring) {
        keyedDigest = { keyring.keyedDigest($0, $1) }
    }

    // MARK: CSRF

    /// A token for one form: a nonce, its expiry and a keyed MAC over both, the visitor's
    /// cookie and the form's name.
    func csrfToken(visit: String, form: String) -> String {
        let nonce = RandomToken.make(bytes: 12)
        let expires = Int64(Date().timeIntervalSince1970) + 3600
        return "\(nonce).\(expires).\(mac(visit: visit, form: form, nonce: nonce, expires: expires))"
    }

    /// Whether the token was made for this visitor and form, is not expired and was not used
    /// before; a valid token is spent by checking it.
    func spend(_ token: String?, visit: String?, form: String) -> Bool {
        guard let token, let visit else { return false }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let expires = Int64(parts[1]), expires > Int64(Date().timeIntervalSince1970),
              parts[2] == mac(visit: visit, form: form, nonce: parts[0], expires: expires) else { return false }
        let now = ContinuousClock.now
        return usedNonces.withLock { used in
            if used.count > 50_000 { used = used.filter { $0.value > now } }
            guard used[parts[0]] == nil else { return false }
            used[parts[0]] = now + Self.tokenLifetime
            return true
        }
    }

    private func mac(visit: String, form: String, nonce: String, expires: Int64) -> String {
        keyedDigest("csrf", "\(visit)|\(form)|\(nonce)|\(expires)").base64URL
    }

    // MARK: sessions

    func startSession(subjects: [String]) -> String {
        let id = RandomToken.make()
        let now = ContinuousClock.now
        sessions.withLock { sessions in
            if sessions.count > 10_000 { sessions = sessions.filter { $0.value.expires > now } }
            sessions[id] = Session(subjects: subjects, expires: now + Self.sessionLifetime)
        }
        return id
    }

    func session(_ id: String?) -> Session? {
        guard let id else { return nil }
        let now = ContinuousClock.now
        return sessions.withLock { sessions in
            guard let session = sessions[id] else { return nil }
            guard session.expires > now else { sessions[id] = nil; return nil }
            return session
        }
    }

    /// Sets the message the next page shows once, and returns the one that was waiting.
    @discardableResult
    func flash(_ id: String, _ message: String?) -> String? {
        sessions.withLock { sessions in
            let waiting = sessions[id]?.flash
            sessions[id]?.flash = message
            return waiting
        }
    }

    func endSession(_ id: String?) {
        guard let id else { return }
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    // MARK: rate limits

    /// Counts one event under `key` in a fixed window; false once `limit` is reached.
    func allow(_ key: String, limit: Int, window: Duration = .seconds(900)) -> Bool {
        let now = ContinuousClock.now
        return counters.withLock { counters in
            if counters.count > 50_000 { counters = counters.filter { now - $0.value.start < window } }
            if let entry = counters[key], now - entry.start < window {
                guard entry.count < limit else { return false }
                counters[key] = (entry.start, entry.count + 1)
            } else {
                counters[key] = (now, 1)
            }
            return true
        }
    }

    /// The evidence reference of a client address: a keyed hash, never the address.
    func addressReference(_ address: String) -> String {
        "client " + keyedDigest("ip", address).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
