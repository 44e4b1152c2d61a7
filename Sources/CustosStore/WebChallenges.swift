package import Foundation
internal import GRDB
package import CustosPolicy

/// An e-mail code's challenge: what the person asked for waits here, sealed, until they type
/// the six digits sent to the address (DESIGN §11). The code and the address are kept only as
/// keyed hashes; a code lives 15 minutes and allows five tries.
package struct WebChallenge: Sendable, Equatable {
    package enum State: String, Sendable { case pending, confirmed, locked }
    package var id: String
    package var kind: String
    package var payload: Data
    package var createdAt: Instant
    package var expiresAt: Instant
    package var attempts: Int
    package var state: State
}

/// What typing a code did.
package enum ChallengeAnswer: Sendable, Equatable {
    case confirmed(WebChallenge)
    /// Wrong; `remaining` tries are left.
    case wrong(remaining: Int)
    /// Five wrong tries, or typed after the code was confirmed: the challenge is over.
    case locked
    case expired
    case unknown
}

/// A challenge as a backend stores it: hashes and the sealed payload.
package struct StoredChallenge: Sendable {
    package var id: String
    package var kind: String
    package var emailIndex: Data
    package var codeHash: Data
    package var sealed: Data
    package var createdAt: Instant
    package var expiresAt: Instant
    package var attempts: Int
    package var state: WebChallenge.State

    package init(id: String, kind: String, emailIndex: Data, codeHash: Data, sealed: Data, createdAt: Instant, expiresAt: Instant,
                 attempts: Int, state: WebChallenge.State) {
        (self.id, self.kind, self.emailIndex, self.codeHash, self.sealed) = (id, kind, emailIndex, codeHash, sealed)
        (self.createdAt, self.expiresAt, self.attempts, self.state) = (createdAt, expiresAt, attempts, state)
    }
}

/// The privacy centre's rows on a backend (SQLite's `VaultStore`, PostgreSQL's
/// `PostgresVault`): e-mail code challenges and status links. The rules (what is hashed or
/// sealed under which key, a code's lifetime and tries) are this protocol's extension.
package protocol WebDoorStore: Sendable {
    /// The keyring whose keys hash addresses, codes and tokens and seal what waits.
    var keyring: Keyring { get }
    /// Stores a challenge, deleting those created before `purgeBefore` in the same transaction.
    func insertChallenge(_ challenge: StoredChallenge, purgeBefore: Instant) throws
    /// How many challenges an address (by its keyed hash) had since `since`.
    func challengeCount(emailIndex: Data, since: Instant) throws -> Int
    /// Holds the challenge's row while `settle` judges it, then writes the state and attempts
    /// it returns (nil: nothing changes). A challenge that does not exist is not handed over.
    func settleChallenge(_ id: String, _ settle: (StoredChallenge) throws -> (state: WebChallenge.State, attempts: Int)?) throws
    /// The request a status link's token hash leads to, or nil (a link is filed with its
    /// request: `RequestOpening.statusLinkHash`).
    func statusLinkRequest(tokenHash: Data) throws -> String?
}

extension WebDoorStore {
    package static var codeLifetime: Int64 { 15 * 60_000 }
    package static var codeTries: Int { 5 }

    /// Stores a challenge for `email` and returns its id; the code is chosen by the caller
    /// (and sent by mail, never stored in clear). Challenges older than a day are deleted.
    package func createChallenge(kind: String, email: String, code: String, payload: Data, at now: Instant) throws -> String {
        let id = RandomToken.make(bytes: 18)
        try insertChallenge(StoredChallenge(
            id: id, kind: kind, emailIndex: keyring.keyedDigest("email", Vault.normalisedEmail(email)), codeHash: keyring.keyedDigest("code", id + ":" + code),
            sealed: try keyring.seal(payload, domain: "challenge"), createdAt: now,
            expiresAt: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Self.codeLifetime), attempts: 0, state: .pending),
            purgeBefore: Instant(millisecondsSinceEpoch: now.millisecondsSinceEpoch - 86_400_000))
        return id
    }

    /// How many challenges an address had since `since`: the per-address limit on codes.
    package func challengeCount(email: String, since: Instant) throws -> Int {
        try challengeCount(emailIndex: keyring.keyedDigest("email", Vault.normalisedEmail(email)), since: since)
    }

    /// Checks a typed code with the challenge held: a wrong one counts, the fifth wrong one
    /// locks, a right one confirms once (a second use finds the challenge confirmed: locked).
    package func answerChallenge(_ id: String, code: String, at now: Instant) throws -> ChallengeAnswer {
        var answer = ChallengeAnswer.unknown
        try settleChallenge(id) { row in
            guard row.state == .pending else { answer = .locked; return nil }
            guard now.millisecondsSinceEpoch < row.expiresAt.millisecondsSinceEpoch else { answer = .expired; return nil }
            guard Vault.constantTimeEqual(row.codeHash, keyring.keyedDigest("code", id + ":" + code)) else {
                let locked = row.attempts + 1 >= Self.codeTries
                answer = locked ? .locked : .wrong(remaining: Self.codeTries - row.attempts - 1)
                return (locked ? .locked : .pending, row.attempts + 1)
            }
            let payload = try keyring.unseal(row.sealed, domain: "challenge")
            answer = .confirmed(WebChallenge(id: id, kind: row.kind, payload: payload, createdAt: row.createdAt, expiresAt: row.expiresAt,
                                             attempts: row.attempts, state: .confirmed))
            return (.confirmed, row.attempts)
        }
        return answer
    }

    /// The keyed hash a status link's token is kept as (the token itself is shown once, in the
    /// page and the e-mail, and never stored).
    package func statusLinkHash(_ token: String) -> Data { keyring.keyedDigest("status-link", token) }

    /// The request a status link's token leads to, or nil.
    package func request(forStatusToken token: String) throws -> String? {
        guard token.utf8.count <= 64 else { return nil }
        return try statusLinkRequest(tokenHash: statusLinkHash(token))
    }
}

extension Vault {
    /// Addresses compare without case and surrounding spaces.
    package static func normalisedEmail(_ email: String) -> String { email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }

    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension VaultStore: WebDoorStore {
    package func insertChallenge(_ challenge: StoredChallenge, purgeBefore: Instant) throws {
        try vault.pool.write { db in
            try db.execute(sql: "DELETE FROM web_challenges WHERE created_at < ?", arguments: [purgeBefore.millisecondsSinceEpoch])
            try db.execute(sql: """
                INSERT INTO web_challenges (id, kind, email_index, code_hash, sealed, created_at, expires_at, attempts, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [challenge.id, challenge.kind, challenge.emailIndex, challenge.codeHash, challenge.sealed,
                                 challenge.createdAt.millisecondsSinceEpoch, challenge.expiresAt.millisecondsSinceEpoch, challenge.attempts, challenge.state.rawValue])
        }
    }

    package func challengeCount(emailIndex: Data, since: Instant) throws -> Int {
        try vault.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM web_challenges WHERE email_index = ? AND created_at >= ?",
                             arguments: [emailIndex, since.millisecondsSinceEpoch]) ?? 0
        }
    }

    package func settleChallenge(_ id: String, _ settle: (StoredChallenge) throws -> (state: WebChallenge.State, attempts: Int)?) throws {
        try vault.pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM web_challenges WHERE id = ?", arguments: [id]) else { return }
            let stored = StoredChallenge(
                id: id, kind: row["kind"], emailIndex: row["email_index"], codeHash: row["code_hash"], sealed: row["sealed"],
                createdAt: Instant(millisecondsSinceEpoch: row["created_at"]), expiresAt: Instant(millisecondsSinceEpoch: row["expires_at"]),
                attempts: row["attempts"], state: WebChallenge.State(rawValue: row["state"]) ?? .locked)
            guard let (state, attempts) = try settle(stored) else { return }
            try db.execute(sql: "UPDATE web_challenges SET attempts = ?, state = ? WHERE id = ?", arguments: [attempts, state.rawValue, id])
        }
    }

    package func statusLinkRequest(tokenHash: Data) throws -> String? {
        try vault.pool.read { db in try String.fetchOne(db, sql: "SELECT request_id FROM status_links WHERE token_hash = ?", arguments: [tokenHash]) }
    }
}
