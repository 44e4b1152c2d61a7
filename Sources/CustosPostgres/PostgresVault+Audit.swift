import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
import CustosCrypto

/// What an auditor checks on PostgreSQL, with SQLite's rules: signed checkpoints of the log's
/// head (`AuditCheckpoint`), and that the vault and its keyring agree on who has a key.
extension PostgresVault {
    /// Verifies the whole chain, then signs its head; the checkpoint is recorded in the vault
    /// and returned to be kept elsewhere.
    package func checkpoint(vault id: String, at now: Instant) throws -> AuditCheckpoint {
        let head = try verifyLog()
        guard head.isIntact else { throw StoreError.integrity(head.problem ?? "the decision log is broken") }
        let checkpoint = AuditCheckpoint.signed(vault: id, seq: head.headSeq, hash: head.headHash, at: now, keyring: keyring)
        let hash = Data(Hex.decode(checkpoint.hash) ?? []), signature = Data(Hex.decode(checkpoint.signature) ?? [])
        try run { client, logger in
            _ = try await client.query("""
                INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES (\(checkpoint.seq), \(hash), \(now.millisecondsSinceEpoch), \(signature))
                """, logger: logger)
        }
        return checkpoint
    }

    /// Judges the shared log against a checkpoint.
    package func verify(_ checkpoint: AuditCheckpoint, vault id: String) throws -> CheckpointVerification {
        try checkpoint.verification(
            vault: id, keyring: keyring,
            hashAt: { seq in
                try run { client, logger in
                    for try await hash in try await client.query("SELECT hash FROM decision_log WHERE seq = \(seq)", logger: logger).decode(Data.self) {
                        return [UInt8](hash)
                    }
                    return nil
                }
            },
            anchor: { try logAnchor() },
            head: {
                try run { client, logger in
                    for try await head in try await client.query("SELECT coalesce(max(seq), 0) FROM decision_log", logger: logger).decode(Int64.self) {
                        return head
                    }
                    return 0
                }
            })
    }

    /// Every subject has its key and every adopted key its subject (a vault restored from an
    /// older backup than its keyring shows keys without subjects).
    package func keyringAgreement(pageSize: Int = KeysetPages.size) throws -> KeyringAgreement {
        try KeyringAgreement.measure(vault: KeyringAgreement.Side(page: subjectIds, holding: existingSubjects),
                                     keyring: KeyringAgreement.Side(page: keyring.adoptedSubjects, holding: keyring.adoptedAmong), pageSize: pageSize)
    }

    /// A page of the vault's subject ids after `after` (from the first when nil), in the
    /// server's collation for ids, which the primary key's index serves.
    func subjectIds(after: String?, limit: Int) throws -> [String] {
        try run { client, logger in
            var ids: [String] = []
            let rows = try await client.query("SELECT id FROM subjects WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit)", logger: logger)
            for try await id in rows.decode(String.self) { BlockingBridge.beat(); ids.append(id) }
            return ids
        }
    }
}
