import Foundation
import PostgresNIO
import CustosCrypto
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

    package func readConsentLedger(_ subject: ([ConsentHistoryEntry]) throws -> Void, refusal: (ConsentRefusal) throws -> Void) throws {
        try readConsentLedger(subject, refusal: refusal, pageSize: KeysetPages.size)
    }

    /// Page after page on one held connection, in one repeatable-read transaction: one
    /// snapshot, as on SQLite, holding a page (`pageSize` rows) at a time.
    package func readConsentLedger(_ subject: ([ConsentHistoryEntry]) throws -> Void, refusal: (ConsentRefusal) throws -> Void, pageSize: Int) throws {
        let lease = try ConnectionLease.take(from: client)
        defer { lease.release() }
        let transaction = HeldTransaction(connection: lease.connection, vault: self)
        try transaction.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        do {
            let limit = Int64(pageSize)
            // The living subjects' events, then the erased subjects' proofs, each phase handing
            // on its last subject before the next begins.
            var grouped = ConsentLedgerGroups()
            var after: (subject: String, purpose: String, id: Int64)?
            repeat {
                let position = after ?? ("", "", Int64.min)
                let page = try transaction.wait { connection, logger in
                    var page: [(id: Int64, entry: ConsentHistoryEntry)] = []
                    for try await (id, subject, purpose, state, notice, version, at) in try await connection.query("""
                        SELECT id, subject_id, purpose, state, notice_id, notice_version, effective_at FROM consent_events
                        WHERE (subject_id, purpose, id) > (\(position.subject), \(position.purpose), \(position.id))
                        ORDER BY subject_id, purpose, id LIMIT \(limit)
                        """, logger: logger).decode((Int64, String, String, String, String?, Int?, Int64).self) {
                        BlockingBridge.beat()
                        page.append((id, ConsentHistoryEntry(subject: subject, purpose: purpose, state: ConsentState(rawValue: state) ?? .given,
                                                             noticeId: notice, noticeVersion: version, effectiveAt: Instant(millisecondsSinceEpoch: at))))
                    }
                    return page
                }
                for (_, event) in page { if let history = grouped.add(event) { try subject(history) } }
                after = page.last.map { ($0.entry.subject, $0.entry.purpose, $0.id) }
                if Int64(page.count) < limit { break }
            } while true
            if let history = grouped.finish() { try subject(history) }
            var proofsAfter: (hash: Data, id: Int64) = (Data(), Int64.min)
            repeat {
                let position = proofsAfter
                let page = try transaction.wait { connection, logger in
                    var page: [(hash: Data, id: Int64, entry: ConsentHistoryEntry)] = []
                    for try await (id, hash, purpose, state, notice, version, at) in try await connection.query("""
                        SELECT id, subject_hash, purpose, state, notice_id, notice_version, effective_at FROM consent_proofs
                        WHERE (subject_hash, id) > (\(position.hash), \(position.id)) ORDER BY subject_hash, id LIMIT \(limit)
                        """, logger: logger).decode((Int64, Data, String, String, String?, Int?, Int64).self) {
                        BlockingBridge.beat()
                        page.append((hash, id, ConsentHistoryEntry(subject: Hex.encode([UInt8](hash)), purpose: purpose, state: ConsentState(rawValue: state) ?? .given,
                                                                   noticeId: notice, noticeVersion: version, effectiveAt: Instant(millisecondsSinceEpoch: at))))
                    }
                    return page
                }
                for event in page { if let history = grouped.add(event.entry) { try subject(history) } }
                if let last = page.last { proofsAfter = (last.hash, last.id) }
                if Int64(page.count) < limit { break }
            } while true
            if let history = grouped.finish() { try subject(history) }
            var refusalsAfter = Int64.min
            repeat {
                let position = refusalsAfter
                let page = try transaction.wait { connection, logger in
                    var page: [(id: Int64, refusal: ConsentRefusal)] = []
                    for try await (id, subject, purpose, code, at) in try await connection.query(
                        "SELECT id, subject_id, purpose, code, at FROM consent_refusals WHERE id > \(position) ORDER BY id LIMIT \(limit)", logger: logger)
                        .decode((Int64, String, String, String, Int64).self) {
                        BlockingBridge.beat()
                        page.append((id, ConsentRefusal(subject: subject, purpose: purpose, code: ReasonCode(rawValue: code) ?? .engineError,
                                                        at: Instant(millisecondsSinceEpoch: at))))
                    }
                    return page
                }
                for entry in page { try refusal(entry.refusal) }
                if let last = page.last { refusalsAfter = last.id }
                if Int64(page.count) < limit { break }
            } while true
        } catch {
            try? transaction.execute("ROLLBACK")
            throw error
        }
        try transaction.execute("COMMIT")
    }
}
