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

extension Vault {
    package static let codeLifetime: Int64 = 15 * 60_000
    package static let codeTries = 5

    /// Stores a challenge for `email` and returns its id; the code is chosen by the caller
    /// (and sent by mail, never stored in clear). Challenges older than a day are deleted.
    package func createChallenge(kind: String, email: String, code: String, payload: Data, at now: Instant) throws -> String {
        let id = RandomToken.make(bytes: 18)
        let sealed = try keyring.seal(payload, domain: "challenge")
        try pool.write { db in
            try db.execute(sql: "DELETE FROM web_challenges WHERE created_at < ?", arguments: [now.millisecondsSinceEpoch - 86_400_000])
            try db.execute(sql: """
                INSERT INTO web_challenges (id, kind, email_index, code_hash, sealed, created_at, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')
                """, arguments: [id, kind, keyring.keyedDigest("email", Self.normalisedEmail(email)), keyring.keyedDigest("code", id + ":" + code), sealed,
                                 now.millisecondsSinceEpoch, now.millisecondsSinceEpoch + Self.codeLifetime])
        }
        return id
    }

    /// How many challenges an address had since `since`: the per-address limit on codes.
    package func challengeCount(email: String, since: Instant) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM web_challenges WHERE email_index = ? AND created_at >= ?",
                             arguments: [keyring.keyedDigest("email", Self.normalisedEmail(email)), since.millisecondsSinceEpoch]) ?? 0
        }
    }

    /// Checks a typed code in one transaction: a wrong one counts, the fifth wrong one locks,
    /// a right one confirms once (a second use finds the challenge confirmed: locked).
    package func answerChallenge(_ id: String, code: String, at now: Instant) throws -> ChallengeAnswer {
        try pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM web_challenges WHERE id = ?", arguments: [id]) else { return .unknown }
            let state = WebChallenge.State(rawValue: row["state"]) ?? .locked
            guard state == .pending else { return .locked }
            guard now.millisecondsSinceEpoch < row["expires_at"] as Int64 else { return .expired }
            let attempts: Int = row["attempts"]
            let expected: Data = row["code_hash"]
            let typed = keyring.keyedDigest("code", id + ":" + code)
            guard Self.constantTimeEqual(expected, typed) else {
                let locked = attempts + 1 >= Self.codeTries
                try db.execute(sql: "UPDATE web_challenges SET attempts = attempts + 1, state = ? WHERE id = ?", arguments: [locked ? "locked" : "pending", id])
                return locked ? .locked : .wrong(remaining: Self.codeTries - attempts - 1)
            }
            try db.execute(sql: "UPDATE web_challenges SET state = 'confirmed' WHERE id = ?", arguments: [id])
            let payload = try keyring.unseal(row["sealed"], domain: "challenge")
            return .confirmed(WebChallenge(
                id: id, kind: row["kind"], payload: payload, createdAt: Instant(millisecondsSinceEpoch: row["created_at"]),
                expiresAt: Instant(millisecondsSinceEpoch: row["expires_at"]), attempts: attempts, state: .confirmed))
        }
    }

    /// Addresses compare without case and surrounding spaces.
    package static func normalisedEmail(_ email: String) -> String { email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }

    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
