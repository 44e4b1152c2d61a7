package import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy

/// Web sessions, spent form tokens and clients' counts on PostgreSQL (`WebSessionStore`), as on SQLite: every
/// server on the vault sees a session started or ended by another, and a token spent at one is
/// spent at all (the nonce is the primary key, so two servers cannot both accept it).
extension PostgresVault: WebSessionStore {
    package func insertSession(_ session: StoredWebSession, purgeBefore: Instant) throws {
        try transaction { connection, logger in
            try await connection.query("DELETE FROM web_sessions WHERE ends_at < \(purgeBefore.millisecondsSinceEpoch)", logger: logger)
            try await connection.query("""
                INSERT INTO web_sessions (id_hash, sealed, started_at, last_seen_at, ends_at)
                VALUES (\(session.idHash), \(session.sealed), \(session.startedAt.millisecondsSinceEpoch),
                        \(session.lastSeenAt.millisecondsSinceEpoch), \(session.endsAt.millisecondsSinceEpoch))
                """, logger: logger)
        }
    }

    package func storedSession(idHash: Data) throws -> StoredWebSession? {
        try run { client, logger in
            for try await (sealed, started, lastSeen, ends) in try await client.query(
                "SELECT sealed, started_at, last_seen_at, ends_at FROM web_sessions WHERE id_hash = \(idHash)", logger: logger)
                .decode((Data, Int64, Int64, Int64).self) {
                return StoredWebSession(idHash: idHash, sealed: sealed, startedAt: Instant(millisecondsSinceEpoch: started),
                                        lastSeenAt: Instant(millisecondsSinceEpoch: lastSeen), endsAt: Instant(millisecondsSinceEpoch: ends))
            }
            return nil
        }
    }

    package func updateSession(idHash: Data, lastSeenAt: Instant, sealed: Data?) throws {
        try run { client, logger in
            _ = try await client.query("UPDATE web_sessions SET last_seen_at = \(lastSeenAt.millisecondsSinceEpoch), sealed = coalesce(\(sealed), sealed) WHERE id_hash = \(idHash)",
                                       logger: logger)
        }
    }

    package func deleteSession(idHash: Data) throws {
        try run { client, logger in _ = try await client.query("DELETE FROM web_sessions WHERE id_hash = \(idHash)", logger: logger) }
    }

    package func deleteSession(idHash: Data, signOuts: Int64) throws {
        try transaction { connection, logger in
            try await connection.query("DELETE FROM web_sessions WHERE id_hash = \(idHash)", logger: logger)
            // Raised, never lowered: another server's later sign-out may have landed first.
            try await connection.query("""
                INSERT INTO vault_meta (key, value) VALUES ('web-sign-outs-seen', \(String(signOuts)))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE vault_meta.value::bigint < excluded.value::bigint
                """, logger: logger)
        }
    }

    package func endSessionsUnlessSignOutsAgree(_ signOuts: Int64) throws -> Int {
        try transaction { connection, logger in
            // The row locked first, so that two servers starting together end the sessions once.
            var seen: Int64 = 0
            for try await value in try await connection.query("SELECT value FROM vault_meta WHERE key = 'web-sign-outs-seen' FOR UPDATE", logger: logger)
                .decode(String.self) {
                seen = Int64(value) ?? -1
            }
            guard seen != signOuts else { return 0 }
            var ended = 0
            for try await _ in try await connection.query("DELETE FROM web_sessions RETURNING 1::bigint", logger: logger).decode(Int64.self) { ended += 1 }
            try await connection.query("""
                INSERT INTO vault_meta (key, value) VALUES ('web-sign-outs-seen', \(String(signOuts)))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: logger)
            return ended
        }
    }

    package func spendNonce(_ nonce: String, until: Instant, at now: Instant) throws -> Bool {
        try transaction { connection, logger in
            try await connection.query("DELETE FROM web_form_nonces WHERE expires_at < \(now.millisecondsSinceEpoch)", logger: logger)
            var spent = false
            for try await _ in try await connection.query(
                "INSERT INTO web_form_nonces (nonce, expires_at) VALUES (\(nonce), \(until.millisecondsSinceEpoch)) ON CONFLICT DO NOTHING RETURNING 1::bigint",
                logger: logger).decode(Int.self) {
                spent = true
            }
            return spent
        }
    }

    package func countClientEvent(key: Data, window: Int64, at now: Instant) throws -> Int {
        try transaction { connection, logger in
            try await connection.query("DELETE FROM web_client_counts WHERE ends_at <= \(now.millisecondsSinceEpoch)", logger: logger)
            for try await count in try await connection.query("""
                INSERT INTO web_client_counts (key, ends_at, count) VALUES (\(key), \(now.millisecondsSinceEpoch + window), 1)
                ON CONFLICT (key) DO UPDATE SET count = web_client_counts.count + 1 RETURNING count
                """, logger: logger).decode(Int64.self) {
                return Int(count)
            }
            return Int.max
        }
    }
}
