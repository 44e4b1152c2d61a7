import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
import CustosDecision

/// The read-only view reports are built from, on PostgreSQL (`ReportSource`); each list is
/// read in one snapshot, the decision log a page at a time (`forEachLogEntry`).
extension PostgresVault: ReportSource {
    package func lastCheckpoint() throws -> (seq: Int64, at: Instant)? {
        try run { client, logger in
            for try await (seq, at) in try await client.query(
                "SELECT seq, at FROM audit_checkpoints ORDER BY at DESC, seq DESC LIMIT 1", logger: logger).decode((Int64, Int64).self) {
                return (seq, Instant(millisecondsSinceEpoch: at))
            }
            return nil
        }
    }

    package func storeVersion() throws -> String {
        try run { client, logger in
            for try await version in try await client.query("SELECT current_setting('server_version')", logger: logger).decode(String.self) {
                return "PostgreSQL \(version)"
            }
            return "PostgreSQL"
        }
    }

    package func logEntries(from: Instant?, to: Instant?, subject: String?, after: Int64, limit: Int) throws -> [LogEntry] {
        try run { client, logger in
            var bindings = PostgresBindings()
            bindings.append(after)
            bindings.append(from?.millisecondsSinceEpoch ?? Int64.min)
            bindings.append(to?.millisecondsSinceEpoch ?? Int64.max)
            bindings.append(Int64(limit))
            var sql = "SELECT \(PostgresDecisionLog.entryColumns) FROM decision_log WHERE seq > $1 AND at >= $2 AND at < $3"
            if let subject {
                bindings.append(subject)
                sql += " AND subject_id = $5"
            }
            var entries: [LogEntry] = []
            for try await row in try await client.query(PostgresQuery(unsafeSQL: sql + " ORDER BY seq LIMIT $4", binds: bindings), logger: logger) {
                BlockingBridge.beat()
                entries.append(try PostgresDecisionLog.entry(row))
            }
            return entries
        }
    }

    package func disclosures(from: Instant?, to: Instant?, after: Int64, limit: Int) throws -> [(row: Int64, entry: DisclosureRecordEntry)] {
        let from = from?.millisecondsSinceEpoch ?? Int64.min, to = to?.millisecondsSinceEpoch ?? Int64.max, limit = Int64(limit)
        return try run { client, logger in
            var entries: [(row: Int64, entry: DisclosureRecordEntry)] = []
            for try await (row, subject, recipient, name, purpose, fields, at, destination, mechanism, procedure, seq) in try await client.query("""
                SELECT id, subject_id, recipient, recipient_name, purpose, fields, at, destination, mechanism, procedure, decision_seq
                FROM disclosures WHERE id > \(after) AND at >= \(from) AND at < \(to) ORDER BY id LIMIT \(limit)
                """, logger: logger).decode((Int64, String, String, String?, String, String, Int64, String?, String?, String?, Int64).self) {
                BlockingBridge.beat()
                entries.append((row, DisclosureRecordEntry(subject: subject, disclosure: DisclosureEntry(
                    recipient: recipient, recipientName: name, purpose: purpose, fields: Self.lines(fields) ?? [], at: Instant(millisecondsSinceEpoch: at),
                    destination: destination, mechanism: mechanism, procedure: procedure, decisionSeq: seq))))
            }
            return entries
        }
    }

    package func consentHistory() throws -> [ConsentHistoryEntry] {
        try transaction { connection, logger in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var entries: [ConsentHistoryEntry] = []
            for try await (subject, purpose, state, notice, version, at) in try await connection.query(
                "SELECT subject_id, purpose, state, notice_id, notice_version, effective_at FROM consent_events ORDER BY id", logger: logger)
                .decode((String, String, String, String?, Int?, Int64).self) {
                BlockingBridge.beat()
                entries.append(ConsentHistoryEntry(subject: subject, purpose: purpose, state: ConsentState(rawValue: state) ?? .given, noticeId: notice,
                                                   noticeVersion: version, effectiveAt: Instant(millisecondsSinceEpoch: at)))
            }
            for try await (hash, purpose, state, notice, version, at) in try await connection.query(
                "SELECT subject_hash, purpose, state, notice_id, notice_version, effective_at FROM consent_proofs ORDER BY id", logger: logger)
                .decode((Data, String, String, String?, Int?, Int64).self) {
                BlockingBridge.beat()
                entries.append(ConsentHistoryEntry(subject: hash.map { String(format: "%02x", $0) }.joined(), purpose: purpose,
                                                   state: ConsentState(rawValue: state) ?? .given, noticeId: notice, noticeVersion: version,
                                                   effectiveAt: Instant(millisecondsSinceEpoch: at)))
            }
            return entries
        }
    }

    package func consentRefusals() throws -> [ConsentRefusal] {
        try run { client, logger in
            var refusals: [ConsentRefusal] = []
            for try await (subject, purpose, code, at) in try await client.query(
                "SELECT subject_id, purpose, code, at FROM consent_refusals ORDER BY id", logger: logger).decode((String, String, String, Int64).self) {
                BlockingBridge.beat()
                refusals.append(ConsentRefusal(subject: subject, purpose: purpose, code: ReasonCode(rawValue: code) ?? .engineError,
                                               at: Instant(millisecondsSinceEpoch: at)))
            }
            return refusals
        }
    }
}
