package import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy

/// The privacy centre's e-mail codes and status links on PostgreSQL (`WebDoorStore`), as on
/// SQLite: hashed and sealed in the process; a typed code is judged with its row locked, so
/// two servers answering the same challenge count every try and confirm it once.
extension PostgresVault: WebDoorStore {
    package func insertChallenge(_ challenge: StoredChallenge, purgeBefore: Instant) throws {
        try transaction { connection, logger in
            try await connection.query("DELETE FROM web_challenges WHERE created_at < \(purgeBefore.millisecondsSinceEpoch)", logger: logger)
            try await connection.query("""
                INSERT INTO web_challenges (id, kind, email_index, code_hash, sealed, created_at, expires_at, attempts, state)
                VALUES (\(challenge.id), \(challenge.kind), \(challenge.emailIndex), \(challenge.codeHash), \(challenge.sealed),
                        \(challenge.createdAt.millisecondsSinceEpoch), \(challenge.expiresAt.millisecondsSinceEpoch), \(challenge.attempts), \(challenge.state.rawValue))
                """, logger: logger)
        }
    }

    package func challengeCount(emailIndex: Data, since: Instant) throws -> Int {
        try run { client, logger in
            var count = 0
            for try await found in try await client.query(
                "SELECT count(*)::bigint FROM web_challenges WHERE email_index = \(emailIndex) AND created_at >= \(since.millisecondsSinceEpoch)", logger: logger)
                .decode(Int.self) {
                count = found
            }
            return count
        }
    }

    package func settleChallenge(_ id: String, _ settle: (StoredChallenge) throws -> (state: WebChallenge.State, attempts: Int)?) throws {
        try inHeldTransaction("an e-mail code's") { transaction in
            let stored = try transaction.wait { connection, logger -> StoredChallenge? in
                for try await (kind, email, code, sealed, created, expires, attempts, state) in try await connection.query("""
                    SELECT kind, email_index, code_hash, sealed, created_at, expires_at, attempts, state FROM web_challenges WHERE id = \(id) FOR UPDATE
                    """, logger: logger).decode((String, Data, Data, Data, Int64, Int64, Int, String).self) {
                    return StoredChallenge(id: id, kind: kind, emailIndex: email, codeHash: code, sealed: sealed, createdAt: Instant(millisecondsSinceEpoch: created),
                                           expiresAt: Instant(millisecondsSinceEpoch: expires), attempts: attempts, state: WebChallenge.State(rawValue: state) ?? .locked)
                }
                return nil
            }
            guard let stored, let (state, attempts) = try settle(stored) else { return }
            try transaction.wait { connection, logger in
                _ = try await connection.query("UPDATE web_challenges SET attempts = \(attempts), state = \(state.rawValue) WHERE id = \(id)", logger: logger)
            }
        }
    }

    package func statusLinkRequest(tokenHash: Data) throws -> String? {
        try run { client, logger in
            for try await request in try await client.query("SELECT request_id FROM status_links WHERE token_hash = \(tokenHash)", logger: logger).decode(String.self) {
                return request
            }
            return nil
        }
    }
}
