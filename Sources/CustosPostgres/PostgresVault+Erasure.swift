import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy

/// Crypto-shredding and the erasure ledger's replay on PostgreSQL, with the same rules as on
/// SQLite: the keyring records the erasure and destroys the key first (in its own database),
/// then the vault deletes the rows and notes how much of the ledger it has applied. A vault
/// restored from a `pg_dump` taken before an erasure has applied less of the ledger than the
/// keyring holds: opening it replays what it missed before anything is served.
extension PostgresVault {
    /// Destroys subjects' keys (crypto-shredding), then their rows, leaving a pseudonymous
    /// proof of their consents.
    package func shred(subjects: [String], at now: Instant) throws {
        guard !subjects.isEmpty else { return }
        let appended = try keyring.recordErasures(subjects.map { ErasureRecord(subject: $0, wholeSubject: true) }, at: now)
        let hashes = subjects.map { ($0, keyring.ledgerHash($0)) }
        try transaction { connection, logger in
            for (subject, hash) in hashes {
                BlockingBridge.beat()
                try await Self.keepConsentProof(subject: subject, hash: hash, at: now, on: connection, logger: logger)
                try await connection.query("DELETE FROM subjects WHERE id = \(subject)", logger: logger)
            }
            try await Self.markApplied(appended, on: connection, logger: logger)
        }
    }

    static func keepConsentProof(subject: String, hash: Data, at now: Instant, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO consent_proofs (subject_hash, purpose, state, notice_id, notice_version, notice_hash, language, method, channel,
              expressed_by, parent_verification, age_at_consent, presented_separately, pre_ticked, conditional_on_service,
              recorded_at, effective_at, recorded_by, erased_at)
            SELECT \(hash), purpose, state, notice_id, notice_version, notice_hash, language, method, channel,
              expressed_by, parent_verification, age_at_consent, presented_separately, pre_ticked, conditional_on_service,
              recorded_at, effective_at, recorded_by, \(now.millisecondsSinceEpoch) FROM consent_events WHERE subject_id = \(subject) ORDER BY id
            """, logger: logger)
    }

    /// Notes an erasure's ledger entries as applied, in the transaction that applies them: the
    /// mark moves from `before` to `after` only where it stood at `before` (`LedgerAppend`; an
    /// update waits for another's and then reads the row it committed).
    static func markApplied(_ append: LedgerAppend, on connection: PostgresConnection, logger: Logger) async throws {
        if append.before == 0 {
            try await connection.query("""
                INSERT INTO vault_meta (key, value) VALUES ('ledger-replayed', \(String(append.after)))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE vault_meta.value = '0'
                """, logger: logger)
        } else {
            try await connection.query("""
                UPDATE vault_meta SET value = \(String(append.after)) WHERE key = 'ledger-replayed' AND value = \(String(append.before))
                """, logger: logger)
        }
    }

    /// Notes the whole ledger up to `ledgerSize` as applied (after a replay applied all of it).
    static func markReplayed(_ ledgerSize: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO vault_meta (key, value) VALUES ('ledger-replayed', \(String(ledgerSize))) ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """, logger: logger)
    }

    /// The pseudonymous consent proofs an erased subject id left, as (purpose, state) pairs.
    package func consentProofs(ofErased subject: String) throws -> [(purpose: String, state: String)] {
        let hash = keyring.ledgerHash(subject)
        return try run { client, logger in
            var proofs: [(purpose: String, state: String)] = []
            for try await (purpose, state) in try await client.query(
                "SELECT purpose, state FROM consent_proofs WHERE subject_hash = \(hash) ORDER BY id", logger: logger).decode((String, String).self) {
                proofs.append((purpose, state))
            }
            return proofs
        }
    }

    /// Replays the ledger when this vault has not seen all of it (a restored backup, or a crash
    /// between the keyring's write and the vault's). A subject created after an erasure of the
    /// same id is a new subject: only entries recorded after its creation apply.
    package func replayErasureLedger() throws -> LedgerReplay {
        let ledgerSize = try keyring.ledgerCount()
        let seen = try run { client, logger in
            for try await value in try await client.query("SELECT value FROM vault_meta WHERE key = 'ledger-replayed'", logger: logger).decode(String.self) {
                return Int64(value) ?? 0
            }
            return Int64(0)
        }
        guard ledgerSize != seen else { return LedgerReplay() }
        // The entries before the mark are applied (`LedgerAppend`): only those after it.
        let ledger = try keyring.ledgerEntries(after: min(seen, ledgerSize))
        // What to do, decided here with the keyring's hashes as the subjects stream past (only
        // those the ledger names are kept); the database only applies it.
        let work: [(id: String, hash: Data, entries: [LedgerEntry])] = try run { [keyring] client, logger in
            var named: [(id: String, hash: Data, entries: [LedgerEntry])] = []
            for try await (id, created) in try await client.query("SELECT id, created_at FROM subjects", logger: logger).decode((String, Int64).self) {
                BlockingBridge.beat()
                let hash = keyring.ledgerHash(id)
                guard let entries = ledger[hash]?.filter({ $0.at >= Instant(millisecondsSinceEpoch: created) }), !entries.isEmpty else { continue }
                named.append((id, hash, entries))
            }
            return named
        }
        return try transaction { connection, logger in
            var replay = LedgerReplay()
            for item in work {
                BlockingBridge.beat()
                if let erasure = item.entries.first(where: { $0.field == nil }) {
                    // The backup predates the proof the erasure left; leave it again.
                    try await connection.query(
                        "DELETE FROM consent_proofs WHERE subject_hash = \(item.hash) AND erased_at = \(erasure.at.millisecondsSinceEpoch)", logger: logger)
                    try await Self.keepConsentProof(subject: item.id, hash: item.hash, at: erasure.at, on: connection, logger: logger)
                    try await connection.query("DELETE FROM subjects WHERE id = \(item.id)", logger: logger)
                    replay.subjectsShredded += 1
                    continue
                }
                for entry in item.entries {
                    guard let field = entry.field else { continue }
                    if let purposes = entry.keptFor?.joined(separator: "\n") {
                        let changed = try await connection.query("""
                            UPDATE fields SET kept_for = \(purposes) WHERE subject_id = \(item.id) AND field = \(field) AND kept_for IS DISTINCT FROM \(purposes) RETURNING 1
                            """, logger: logger)
                        for try await _ in changed.decode(Int.self) { replay.fieldsRestricted += 1 }
                    } else {
                        let deleted = try await connection.query("DELETE FROM fields WHERE subject_id = \(item.id) AND field = \(field) RETURNING 1", logger: logger)
                        for try await _ in deleted.decode(Int.self) { replay.fieldsDestroyed += 1 }
                        try await connection.query("DELETE FROM blind_index WHERE subject_id = \(item.id) AND field = \(field)", logger: logger)
                        try await connection.query("""
                            INSERT INTO erased_fields (subject_id, field, at) VALUES (\(item.id), \(field), \(entry.at.millisecondsSinceEpoch)) ON CONFLICT DO NOTHING
                            """, logger: logger)
                    }
                }
            }
            try await Self.markReplayed(ledgerSize, on: connection, logger: logger)
            return replay
        }
    }

    /// How many distinct procedures a recipient received Art. 49(1)(e) transfers for: the
    /// occasional limit's count, for the load test and the officer.
    package func derogationProcedures(to recipient: String) throws -> Int {
        try run { client, logger in
            for try await count in try await client.query("""
                SELECT count(DISTINCT procedure) FROM disclosures WHERE recipient = \(recipient) AND mechanism = 'art-49-1-e'
                """, logger: logger).decode(Int.self) { return count }
            return 0
        }
    }
}
