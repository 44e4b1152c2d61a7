import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
package import CustosDecision
import CustosCrypto

/// The retention sweep on PostgreSQL (`SweepStore`), with SQLite's rules and PostgreSQL's
/// locking: a page is planned from one snapshot, then applied in one transaction that locks
/// only the rows of the subjects it changes (`SELECT … FOR NO KEY UPDATE`), so reads and
/// decisions never wait for a subject's row. The log's lock is taken after those rows and
/// before any row is deleted: every transaction that holds the log's lock (a share, a store,
/// a group of appends with a read's Art. 14 task, whose foreign key takes a key-share lock
/// that `NO KEY UPDATE` lets through) takes row locks only after it, so no two wait for each
/// other in a circle; decisions wait for the log's lock only while the page's entries and
/// deletions are written.
extension PostgresVault: SweepStore {
    package func size() throws -> (subjects: Int, fields: Int) {
        try run { client, logger in
            var size = (subjects: 0, fields: 0)
            for try await (subjects, fields) in try await client.query(
                "SELECT (SELECT count(*) FROM subjects), (SELECT count(*) FROM fields)", logger: logger).decode((Int, Int).self) {
                size = (subjects, fields)
            }
            return size
        }
    }

    package func factsPage(after: String?, limit: Int) throws -> [Facts] {
        let policy = policy
        return try transaction { connection, logger in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var ids: [String] = []
            for try await id in try await connection.query("""
                SELECT id FROM subjects WHERE id COLLATE "C" > \(after ?? "") ORDER BY id COLLATE "C" LIMIT \(limit)
                """, logger: logger).decode(String.self) { BlockingBridge.beat(); ids.append(id) }
            var page: [Facts] = []
            for id in ids { BlockingBridge.beat(); if let facts = try await Self.facts(of: id, on: connection, policy: policy) { page.append(facts) } }
            return page
        }
    }

    package func applySweep(_ actions: [SweepAction], at now: Instant, stillDue: (SweepAction, Facts) -> Bool) throws -> [String] {
        guard !actions.isEmpty else { return [] }
        let policy = policy
        let (skipped, destroyedFields) = try inHeldTransaction("a retention sweep's") { transaction -> ([String], Bool) in
            var confirmed: [SweepAction] = []
            var skipped: [String] = []
            for action in actions {
                // The subject's row is locked until the commit: a category added by another
                // process waits for this page, or this page sees it. NO KEY: a share's or a
                // store's foreign-key check on the subject (a key-share lock) does not wait.
                let facts = try transaction.wait { connection, logger -> Facts? in
                    guard try await PostgresDatabase.touched(
                        try await connection.query("SELECT 1 FROM subjects WHERE id = \(action.subject) FOR NO KEY UPDATE", logger: logger)) else { return nil }
                    return try await Self.facts(of: action.subject, on: connection, policy: policy)
                }
                if let facts, stillDue(action, facts) { confirmed.append(action) } else { skipped.append(action.subject) }
            }
            guard !confirmed.isEmpty else { return (skipped, false) }
            let records = confirmed.map { ErasureRecord(subject: $0.subject, wholeSubject: $0.wholeSubject, destroyed: $0.wholeSubject ? [] : $0.destroy) }
            // The keyring's ledger first (whole subjects lose their key here): a crash after it
            // is completed by the ledger's replay at the next open.
            let appended = try keyring.recordErasures(records, at: now)
            let work = confirmed.map { ($0, keyring.ledgerHash($0.subject)) }
            try transaction.wait { connection, logger in
                // The log's lock before any deletion (see above); the entries and the deletions
                // commit together.
                _ = try await PostgresDecisionLog.insert(work.map { LogEntry($0.0.decision, at: now) }, on: connection)
                for (action, hash) in work {
                    BlockingBridge.beat()
                    if action.wholeSubject {
                        try await Self.keepConsentProof(subject: action.subject, hash: hash, at: now, on: connection, logger: logger)
                        try await connection.query("DELETE FROM subjects WHERE id = \(action.subject)", logger: logger)
                    } else {
                        try await Self.destroy(action.destroy, of: action.subject, at: now, on: connection, logger: logger)
                    }
                    try await Self.insert(action.tasks, on: connection, logger: logger)
                }
                let subjects = work.count, fields = work.reduce(0) { $0 + $1.0.decision.fields.count }
                try await connection.query("""
                    INSERT INTO sweep_runs (at, subjects, fields) VALUES (\(now.millisecondsSinceEpoch), \(subjects), \(fields))
                    ON CONFLICT (at) DO UPDATE SET subjects = sweep_runs.subjects + excluded.subjects, fields = sweep_runs.fields + excluded.fields
                    """, logger: logger)
                try await Self.markApplied(appended, on: connection, logger: logger)
            }
            return (skipped, confirmed.contains { !$0.wholeSubject })
        }
        if destroyedFields { try vacuumFields() }
        return skipped
    }

    package func pruneConsentProofs(erasedBefore cutoff: Instant, dryRun: Bool) throws -> Int {
        try run { client, logger in
            let sql = dryRun ? "SELECT count(*)::bigint FROM consent_proofs WHERE erased_at < $1"
                             : "WITH gone AS (DELETE FROM consent_proofs WHERE erased_at < $1 RETURNING 1) SELECT count(*)::bigint FROM gone"
            var bindings = PostgresBindings()
            bindings.append(cutoff.millisecondsSinceEpoch)
            for try await count in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).decode(Int.self) { return count }
            return 0
        }
    }

    // MARK: the log's retention

    /// The vault's id (`custos init` recorded it), which anchors and checkpoints name.
    package func vaultId() throws -> String {
        guard let id = try Self.meta(of: database)["vault-id"] else { throw StoreError.notInitialised(database.address.description) }
        return id
    }

    /// The signed start of the chain once entries were pruned.
    package func logAnchor() throws -> LogAnchor? {
        let row = try run { client, logger -> (Int64, Data, Int64, Int64, Data)? in
            for try await row in try await client.query(
                "SELECT seq, hash, pruned_before, at, signature FROM log_anchor ORDER BY seq DESC LIMIT 1", logger: logger)
                .decode((Int64, Data, Int64, Int64, Data).self) { return row }
            return nil
        }
        guard let (seq, hash, before, at, signature) = row else { return nil }
        return LogAnchor(vault: try vaultId(), seq: seq, hash: Hex.encode([UInt8](hash)), prunedBefore: Instant(millisecondsSinceEpoch: before),
                         at: Instant(millisecondsSinceEpoch: at), signature: Hex.encode([UInt8](signature)))
    }

    /// Verifies the shared chain from its start, or from the anchor once its signature holds.
    package func verifyLog() throws -> LogVerification {
        let anchor = try logAnchor()
        if let anchor {
            guard let signature = Hex.decode(anchor.signature), keyring.verifySignature(signature, of: anchor.signedBytes) else {
                return LogVerification(entries: 0, headSeq: anchor.seq, headHash: anchor.hash, firstBroken: anchor.seq,
                                       problem: "the signed head of the pruned entries does not verify", anchor: anchor)
            }
        }
        let log = log
        return try BlockingBridge.wait { try await log.verify(from: anchor) }
    }

    package func pruneLog(before cutoff: Instant, at now: Instant, dryRun: Bool) throws -> LogPruning {
        let verification = try verifyLog()
        guard verification.isIntact else { throw StoreError.integrity(verification.problem ?? "the decision log is broken") }
        let id = try vaultId()
        let keyring = keyring
        // No deadline: the DELETE of every pruned entry is one statement.
        return try transaction(deadline: nil) { connection, logger in
            // Under the log's lock: no append moves the head while the start moves.
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.logLock))", logger: logger)
            var last: (Int64, Data)?
            for try await row in try await connection.query("""
                SELECT seq, hash FROM decision_log WHERE at < \(cutoff.millisecondsSinceEpoch) AND seq < (SELECT max(seq) FROM decision_log)
                ORDER BY seq DESC LIMIT 1
                """, logger: logger).decode((Int64, Data).self) { last = row }
            guard let (seq, hash) = last else { return LogPruning(entriesPruned: 0, anchor: nil) }
            var first = seq
            for try await found in try await connection.query("SELECT min(seq) FROM decision_log", logger: logger).decode(Int64.self) { first = found }
            var anchor = LogAnchor(vault: id, seq: seq, hash: Hex.encode([UInt8](hash)), prunedBefore: cutoff, at: now, signature: "")
            guard !dryRun else { return LogPruning(entriesPruned: seq - first + 1, anchor: nil) }
            anchor.signature = Hex.encode(keyring.sign(anchor.signedBytes))
            var pruned: Int64 = 0
            for try await count in try await connection.query(
                "WITH gone AS (DELETE FROM decision_log WHERE seq <= \(seq) RETURNING 1) SELECT count(*)::bigint FROM gone", logger: logger).decode(Int64.self) {
                pruned = count
            }
            try await connection.query("DELETE FROM log_anchor", logger: logger)
            try await connection.query("""
                INSERT INTO log_anchor (seq, hash, pruned_before, at, signature)
                VALUES (\(seq), \(hash), \(cutoff.millisecondsSinceEpoch), \(now.millisecondsSinceEpoch), \(Data(Hex.decode(anchor.signature) ?? [])))
                """, logger: logger)
            return LogPruning(entriesPruned: pruned, anchor: anchor)
        }
    }
}
