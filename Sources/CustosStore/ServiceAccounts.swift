import Foundation
internal import CustosCrypto
package import CustosPolicy

/// A service account of `custos serve`: a name, the one policy actor its token acts as, and
/// whether it was revoked. The token itself is never stored.
package struct ServiceAccount: Sendable, Codable, Equatable {
    package var name: String
    package var actor: String
    package var createdAt: Instant
    package var revokedAt: Instant?
    /// Requests this account may make a second on `custos serve`, when its own limit is set;
    /// nil leaves it to the server's `limits.requests-per-token-per-second`.
    package var requestsPerSecond: Int?
    /// After `custos service rotate`, when the token before the current one stops working
    /// (real time); nil when no earlier token works. A time already past means none works.
    package var previousTokenUntil: Instant?
    /// Set on an account a lookup found by the token a rotation replaced (still in its
    /// overlap): the server counts those requests, so an operator sees when no service uses
    /// the old token any more.
    package var viaPreviousToken = false

    package init(name: String, actor: String, createdAt: Instant, revokedAt: Instant?, requestsPerSecond: Int? = nil, previousTokenUntil: Instant? = nil) {
        self.name = name
        self.actor = actor
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.requestsPerSecond = requestsPerSecond
        self.previousTokenUntil = previousTokenUntil
    }

    /// Whether the token before the current one still works at `now`.
    package func previousTokenWorks(at now: Instant) -> Bool {
        revokedAt == nil && previousTokenUntil.map { now < $0 } ?? false
    }

    /// The largest limit an account may be given: beyond a million a second no limit is one.
    package static let maximumRequestsPerSecond = 1_000_000
    /// The longest an old token may keep working after a rotation: long enough for a
    /// deployment that waits on a weekly window, short enough that a token thought replaced
    /// does not linger.
    package static let maximumTokenOverlapSeconds: Int64 = 30 * 86_400
}

/// The account a token is for, as the keyring found it: `until` is set when the token is the
/// account's previous one (after a rotation) and says when it stops working.
package struct ServiceTokenHolder: Sendable, Equatable {
    package var account: ServiceAccount
    package var until: Instant?

    package init(account: ServiceAccount, until: Instant?) {
        self.account = account
        self.until = until
    }

    /// The account, when the token still works at `now`.
    func account(at now: Instant) -> ServiceAccount? {
        guard let until else { return account }
        guard now < until else { return nil }
        var previous = account
        previous.viaPreviousToken = true
        return previous
    }
}

/// Service tokens live in the keyring as keyed hashes (BLAKE2b under the keyring's
/// blind-index key, with a domain of their own): a stolen vault or keyring backup yields no
/// usable token, and a token is checked with one hash and one indexed lookup.
extension Keyring {
    static let tokenDomain = Array("custos/service-token/v1\u{0}".utf8)

    func tokenHash(_ token: String) -> Data {
        Data(Blake2b.keyedHash(Self.tokenDomain + Array(token.utf8), key: blindIndexKey))
    }

    /// Creates an account and returns its token: 256 random bits, base64url, shown once.
    /// `requestsPerSecond` is the account's own rate limit on `custos serve` (nil: the server's).
    package func addServiceAccount(name: String, actor: String, requestsPerSecond: Int? = nil, at now: Instant) throws -> String {
        try Self.checkLimit(requestsPerSecond)
        let token = "cst_" + Base64URL.encode(SecureRandom.bytes(32))
        let account = ServiceAccount(name: name, actor: actor, createdAt: now, revokedAt: nil, requestsPerSecond: requestsPerSecond)
        try storage.insertServiceAccount(account, tokenHash: tokenHash(token))
        return token
    }

    /// Sets or clears an active account's own rate limit; running servers apply it from the
    /// account's next request, as they do a revocation.
    package func limitServiceAccount(name: String, requestsPerSecond: Int?) throws {
        try Self.checkLimit(requestsPerSecond)
        guard try storage.limitServiceAccount(named: name, requestsPerSecond: requestsPerSecond) else {
            throw StoreError.invalidInput("no active service account named '\(name)'")
        }
    }

    private static func checkLimit(_ requestsPerSecond: Int?) throws(StoreError) {
        guard let requestsPerSecond else { return }
        guard (1...ServiceAccount.maximumRequestsPerSecond).contains(requestsPerSecond) else {
            throw StoreError.invalidInput("a service account's limit is 1 to \(ServiceAccount.maximumRequestsPerSecond) requests a second")
        }
    }

    package func serviceAccounts() throws -> [ServiceAccount] { try storage.serviceAccounts() }

    /// Gives an active account a new token and returns it (shown once, like `add`'s). The
    /// token it had keeps working for `overlapSeconds` more, so the services holding it can
    /// take the new one without a moment refused; 0 ends it at once. An older token still in
    /// its overlap from an earlier rotation stops at once: an account has at most two.
    ///
    /// ```swift
    /// let token = try keyring.rotateServiceToken(name: "crm-prod", overlapSeconds: 86_400, at: .now)
    /// ```
    package func rotateServiceToken(name: String, overlapSeconds: Int64, at now: Instant) throws -> String {
        guard (0...ServiceAccount.maximumTokenOverlapSeconds).contains(overlapSeconds) else {
            throw StoreError.invalidInput("an old token keeps working for 0 to \(ServiceAccount.maximumTokenOverlapSeconds / 86_400) days after a rotation")
        }
        let token = "cst_" + Base64URL.encode(SecureRandom.bytes(32))
        let until = overlapSeconds == 0 ? nil : Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + overlapSeconds * 1000)
        guard try storage.rotateServiceToken(named: name, tokenHash: tokenHash(token), previousUntil: until) else {
            throw StoreError.invalidInput("no active service account named '\(name)'")
        }
        return token
    }

    /// Revokes an account; its token is refused from the next request on.
    package func revokeServiceAccount(name: String, at now: Instant) throws {
        guard try storage.revokeServiceAccount(named: name, at: now) else { throw StoreError.invalidInput("no active service account named '\(name)'") }
    }

    /// Ends an active account's old token now (after a rotation, once `/metrics` shows no
    /// service using it); its current token keeps working. Refused when the account has no
    /// old token that still works.
    ///
    /// ```swift
    /// try keyring.endPreviousToken(name: "crm-prod", at: .now)
    /// ```
    package func endPreviousToken(name: String, at now: Instant) throws {
        guard let account = try storage.serviceAccounts().first(where: { $0.name == name && $0.revokedAt == nil }) else {
            throw StoreError.invalidInput("no active service account named '\(name)'")
        }
        guard account.previousTokenWorks(at: now) else { throw StoreError.invalidInput("service account '\(name)' has no old token that still works") }
        guard try storage.endPreviousToken(named: name) else {
            throw StoreError.invalidInput("no active service account named '\(name)'")
        }
    }

    /// The account a token belongs to, if it is known, not revoked and (a token replaced by a
    /// rotation) still in its overlap at `now`, on real time. Read from the keyring on every
    /// call, so a revocation by another process takes effect on the next request.
    package func serviceAccount(forToken token: String, at now: Instant = .now) throws -> ServiceAccount? {
        guard token.utf8.count <= 128 else { return nil }
        return try storage.serviceAccount(tokenHash: tokenHash(token))?.account(at: now)
    }

    /// The account of a token looked up before, when the keyring shows no commit since (see
    /// `CommitMarkedCache`); nil means look it up with `serviceAccount(forToken:)`. A keyed
    /// hash and a few memory reads: it never blocks, so the server calls it in place.
    package func knownServiceAccount(forToken token: String, at now: Instant = .now) -> ServiceAccount? {
        guard token.utf8.count <= 128 else { return nil }
        return storage.knownServiceAccount(tokenHash: tokenHash(token))?.account(at: now)
    }
}
