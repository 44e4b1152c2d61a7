import Foundation
internal import GRDB
package import CustosPolicy
package import CustosDecision

/// The minimal proof of one consent event of an erased subject (Art. 7(1)): enough to show
/// that, when and under which notice consent was given or withdrawn, nothing that identifies
/// the subject. Found again only through the keyring (the salted hash of the id).
package struct ConsentProof: Sendable, Hashable, Codable {
    package var purpose: String
    package var state: ConsentState
    package var noticeId: String?
    package var noticeVersion: Int?
    package var noticeHash: String?
    package var method: String?
    package var channel: String?
    package var expressedBy: String
    package var ageAtConsent: Int?
    package var effectiveAt: Instant
    package var recordedAt: Instant
    package var erasedAt: Instant
}

extension Vault {
    /// Copies the subject's consent events into proofs before its rows go (same transaction).
    static func keepConsentProof(_ db: Database, subject: String, hash: Data, at now: Instant) throws {
        try db.execute(sql: """
        INSERT INTO consent_proofs (subject_hash, purpose, state, notice_id, notice_version, notice_hash, language, method, channel,
          expressed_by, parent_verification, age_at_consent, presented_separately, pre_ticked, conditional_on_service,
          recorded_at, effective_at, recorded_by, erased_at)
        SELECT ?, purpose, state, notice_id, notice_version, notice_hash, language, method, channel,
          expressed_by, parent_verification, age_at_consent, presented_separately, pre_ticked, conditional_on_service,
          recorded_at, effective_at, recorded_by, ? FROM consent_events WHERE subject_id = ? ORDER BY id
        """, arguments: [hash, now.millisecondsSinceEpoch, subject])
    }

    /// The consent proofs left for a subject id that was erased.
    package func consentProofs(ofErased subject: String) throws -> [ConsentProof] {
        let hash = keyring.ledgerHash(subject)
        return try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM consent_proofs WHERE subject_hash = ? ORDER BY id", arguments: [hash]).map { row in
                ConsentProof(purpose: row["purpose"], state: ConsentState(rawValue: row["state"]) ?? .given, noticeId: row["notice_id"],
                             noticeVersion: row["notice_version"], noticeHash: row["notice_hash"], method: row["method"], channel: row["channel"],
                             expressedBy: row["expressed_by"], ageAtConsent: row["age_at_consent"],
                             effectiveAt: Instant(millisecondsSinceEpoch: row["effective_at"]), recordedAt: Instant(millisecondsSinceEpoch: row["recorded_at"]),
                             erasedAt: Instant(millisecondsSinceEpoch: row["erased_at"]))
            }
        }
    }

    /// Removes proofs of erasures before `cutoff`; returns how many.
    package func pruneConsentProofs(erasedBefore cutoff: Instant, dryRun: Bool) throws -> Int {
        if dryRun {
            return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM consent_proofs WHERE erased_at < ?", arguments: [cutoff.millisecondsSinceEpoch]) ?? 0 }
        }
        return try pool.write { db in
            try db.execute(sql: "DELETE FROM consent_proofs WHERE erased_at < ?", arguments: [cutoff.millisecondsSinceEpoch])
            return db.changesCount
        }
    }
}
