import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
import CustosDecision

/// The officer's overview on PostgreSQL (`OverviewStore`), as on SQLite: what waits on the
/// officer, read in one statement each.
extension PostgresVault: OverviewStore {
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

    package func lastSweep(purpose: String) throws -> (at: Instant, subjects: Int, fields: Int)? {
        try transaction { connection, logger in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var last: Int64?
            for try await at in try await connection.query("SELECT max(at) FROM decision_log WHERE purpose = \(purpose)", logger: logger).decode(Int64?.self) {
                last = at
            }
            guard let last else { return nil }
            var subjects = 0, fields = 0
            var bindings = PostgresBindings()
            bindings.append(purpose)
            bindings.append(last)
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT \(PostgresDecisionLog.entryColumns) FROM decision_log WHERE purpose = $1 AND at = $2
                """, binds: bindings), logger: logger) {
                BlockingBridge.beat()
                subjects += 1
                fields += try PostgresDecisionLog.entry(row).fields.count
            }
            return (Instant(millisecondsSinceEpoch: last), subjects, fields)
        }
    }
}
