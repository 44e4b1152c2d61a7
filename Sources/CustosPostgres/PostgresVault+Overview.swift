import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
import CustosDecision

/// The officer's overview on PostgreSQL (`OverviewStore`), as on SQLite: what waits on the
/// officer, read in one statement each.
extension PostgresVault: OverviewStore {
    /// Nothing to do: the log has its index on `(subject_id, seq)` (v1), which PostgreSQL keeps
    /// without the cost SQLite's single writer pays.
    package func indexSubjectTrails(transactions: Int) throws -> Int64 { 0 }

    package func objectionsAwaitingAssessment() throws -> [(subject: String, objection: StoredObjection)] {
        try run { client, logger in
            var waiting: [(subject: String, objection: StoredObjection)] = []
            for try await (subject, id, purpose, kind, at) in try await client.query("""
                SELECT subject_id, id, purpose, kind, effective_at FROM objections WHERE assessment IS NULL AND kind = 'general' ORDER BY effective_at, id
                """, logger: logger).decode((String, Int64, String?, String, Int64).self) {
                BlockingBridge.beat()
                waiting.append((subject, StoredObjection(id: id, objection: Objection(
                    purpose: purpose, kind: ObjectionKind(rawValue: kind) ?? .general, at: Instant(millisecondsSinceEpoch: at), assessment: nil, assessmentReference: nil))))
            }
            return waiting
        }
    }

    package func holdsInForce() throws -> [(subject: String, hold: StoredHold)] {
        try run { client, logger in
            var holds: [(subject: String, hold: StoredHold)] = []
            for try await (subject, id, reference, since, fields, purposes) in try await client.query("""
                SELECT subject_id, id, reference, since, fields, purposes FROM legal_holds WHERE until IS NULL ORDER BY since, id
                """, logger: logger).decode((String, Int64, String, String, String?, String?).self) {
                BlockingBridge.beat()
                guard let since = LocalDate(parsing: since) else { continue }
                holds.append((subject, StoredHold(id: id, hold: LegalHold(reference: reference, since: since, until: nil,
                                                                          fields: Self.lines(fields), purposes: Self.lines(purposes)))))
            }
            return holds
        }
    }

    package func withdrawals(since: Instant) throws -> [ConsentHistoryEntry] {
        try run { client, logger in
            var entries: [ConsentHistoryEntry] = []
            for try await (subject, purpose, notice, version, at) in try await client.query("""
                SELECT subject_id, purpose, notice_id, notice_version, effective_at FROM consent_events
                WHERE state = 'withdrawn' AND effective_at >= \(since.millisecondsSinceEpoch) ORDER BY effective_at DESC, id DESC
                """, logger: logger).decode((String, String, String?, Int?, Int64).self) {
                BlockingBridge.beat()
                entries.append(ConsentHistoryEntry(subject: subject, purpose: purpose, state: .withdrawn, noticeId: notice, noticeVersion: version,
                                                   effectiveAt: Instant(millisecondsSinceEpoch: at)))
            }
            return entries
        }
    }

    /// The last retention sweep that destroyed something, as its pages summed it up
    /// (`sweep_runs`, v13), not read from the log.
    package func lastSweep() throws -> (at: Instant, subjects: Int, fields: Int)? {
        try run { client, logger in
            for try await (at, subjects, fields) in try await client.query(
                "SELECT at, subjects, fields FROM sweep_runs ORDER BY at DESC LIMIT 1", logger: logger).decode((Int64, Int, Int).self) {
                return (Instant(millisecondsSinceEpoch: at), subjects, fields)
            }
            return nil
        }
    }
}
