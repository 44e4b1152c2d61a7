import Foundation
import Custos
import Synchronization
import CustosPolicy
import CustosStore

/// The web faces' defences (DESIGN §11): CSRF tokens bound to the visitor's cookie and
/// usable once, the privacy centre's sessions after an e-mail code, and rate limits per client
/// address. Spent tokens, sessions and the limits' counts are kept in the vault
/// (`WebSessionStore`), so every server on the vault honours them and a restart forgets none.
final class WebGuard: Sendable {
    struct Session: Sendable {
        var subjects: [String]
    }

    private let store: any WebSessionStore
    private let executor: EngineExecutor
    /// The vault keyring's keyed hash: CSRF MACs and client references are keyed per vault.
    private let keyedDigest: @Sendable (_ domain: String, _ input: String) -> Data
    private let counters = Mutex<[String: (start: ContinuousClock.Instant, count: Int)]>([:])
    /// How long a form token lives, in seconds.
    static let tokenLifetime: Int64 = 3600
    /// A privacy-centre session lasts half an hour from its code, however busy.
    static let sessionLifetime: Int64 = 1_800_000

    init(store: any WebSessionStore, executor: EngineExecutor) {
        self.store = store
        self.executor = executor
        let keyring = store.keyring
        keyedDigest = { keyring.keyedDigest($0, $1) }
    }

    // MARK: CSRF

    /// A token for one form: a nonce, its expiry and a keyed MAC over both, the visitor's
    /// cookie and the form's name.
    func csrfToken(visit: String, form: String) -> String {
        let nonce = RandomToken.make(bytes: 12)
        let expires = Int64(Date().timeIntervalSince1970) + Self.tokenLifetime
        return "\(nonce).\(expires).\(mac(visit: visit, form: form, nonce: nonce, expires: expires))"
    }

    /// Whether the token was made for this visitor and form, is not expired and was not used
    /// before, at this server or another on the vault; a valid token is spent by checking it.
    func spend(_ token: String?, visit: String?, form: String) async throws -> Bool {
        guard let token, let visit else { return false }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let expires = Int64(parts[1]), expires > Int64(Date().timeIntervalSince1970),
              parts[2] == mac(visit: visit, form: form, nonce: parts[0], expires: expires) else { return false }
        let (store, nonce) = (store, parts[0])
        return try await executor.run {
            try store.spendNonce(nonce, until: Instant(millisecondsSinceEpoch: expires * 1_000), at: .now)
        }
    }

    private func mac(visit: String, form: String, nonce: String, expires: Int64) -> String {
        keyedDigest("csrf", "\(visit)|\(form)|\(nonce)|\(expires)").base64URL
    }

    // MARK: sessions

    func startSession(subjects: [String]) async throws -> String {
        let store = store
        return try await executor.run { try store.startWebSession(.centre, holder: subjects, longest: Self.sessionLifetime, at: .now) }
    }

    func session(_ id: String?) async throws -> Session? {
        guard let id else { return nil }
        let store = store
        return try await executor.run { try store.webSession(.centre, cookie: id, idle: nil, at: .now) }.map { Session(subjects: $0.holder) }
    }

    /// Sets the message the next page shows once, and returns the one that was waiting.
    @discardableResult
    func flash(_ id: String, _ message: String?) async throws -> String? {
        let store = store
        return try await executor.run { try store.exchangeFlash(.centre, cookie: id, message) }
    }

    func endSession(_ id: String?) async throws {
        guard let id else { return }
        let store = store
        try await executor.run { try store.endWebSession(.centre, cookie: id) }
    }

    // MARK: rate limits

    /// Counts one event under `key` (what is counted and the client's address) in a fixed
    /// window; false once `limit` is reached. The count that decides is the vault's, shared by
    /// every server on it and kept across restarts (`WebSessionStore.countClientEvent`, under a
    /// keyed hash of `key`). This process's own count comes first, so that a client past the
    /// limit here costs no write to the vault: a flood from one address stops at the memory.
    func allow(_ key: String, limit: Int, window: Duration = .seconds(900)) async throws -> Bool {
        guard allowedHere(key, limit: limit, window: window) else { return false }
        let (store, hashed, milliseconds) = (store, keyedDigest("client-count", key), window.components.seconds * 1_000)
        let counted = try await executor.run { try store.countClientEvent(key: hashed, window: milliseconds, at: .now) }
        return counted <= limit
    }

    /// The same count in this process's memory alone.
    private func allowedHere(_ key: String, limit: Int, window: Duration) -> Bool {
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
