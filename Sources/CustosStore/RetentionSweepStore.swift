import Foundation
internal import GRDB
package import CustosPolicy
package import CustosDecision

/// What the sweep does to one subject: destroy some fields, or (nothing left) the subject.
package struct SweepAction: Sendable {
    package var subject: String
    package var destroy: [String]
    package var wholeSubject: Bool
    /// The logged decision that records it.
    package var decision: Decision
    package var tasks: [RecipientTask]

    package init(subject: String, destroy: [String], wholeSubject: Bool, decision: Decision, tasks: [RecipientTask]) {
        self.subject = subject
        self.destroy = destroy
        self.wholeSubject = wholeSubject
        self.decision = decision
        self.tasks = tasks
    }
}

/// What the retention sweep needs from the store beyond fulfilling requests: the vault's size
/// (its safety limit is a share of it), its subjects' facts page by page, one page's actions
/// applied in one transaction after each subject's facts are read again, the log's retention
/// and the consent proofs' retention. The rules are `RetentionSweeper`'s (Custos); SQLite's
/// `VaultStore` and PostgreSQL's `PostgresVault` implement this.
package protocol SweepStore: RightsStore {
    func size() throws -> (subjects: Int, fields: Int)
    /// The facts of up to `limit` subjects with ids after `after`, in byte order of the ids.
    func factsPage(after: String?, limit: Int) throws -> [Facts]
    /// Applies one page; a subject whose facts changed since the page was planned is left
    /// for the next sweep and returned.
    func applySweep(_ actions: [SweepAction], at now: Instant, stillDue: (SweepAction, Facts) -> Bool) throws -> [String]
    /// Prunes log entries recorded before `cutoff` (never the newest) and signs the last
    /// pruned entry as the chain's new start.
    func pruneLog(before cutoff: Instant, at now: Instant, dryRun: Bool) throws -> LogPruning
    func pruneConsentProofs(erasedBefore cutoff: Instant, dryRun: Bool) throws -> Int
}

extension VaultStore: SweepStore {
    package func size() throws -> (subjects: Int, fields: Int) { try vault.size() }
    package func factsPage(after: String?, limit: Int) throws -> [Facts] { try vault.factsPage(after: after, limit: limit) }
    package func pruneConsentProofs(erasedBefore cutoff: Instant, dryRun: Bool) throws -> Int {
        try vault.pruneConsentProofs(erasedBefore: cutoff, dryRun: dryRun)
    }
}

extension Vault {
    /// How many subjects and stored fields the vault holds: the sweep's safety limit is a
    /// share of these.
    package func size() throws -> (subjects: Int, fields: Int) {
        try pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM subjects") ?? 0, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fields") ?? 0)
        }
    }

    /// The facts of up to `limit` subjects with ids after `after`, in id order, read in one
    /// transaction: the sweep walks the vault page by page.
    package func factsPage(after: String?, limit: Int) throws -> [Facts] {
        try pool.read { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM subjects WHERE id > ? ORDER BY id LIMIT ?", arguments: [after ?? "", limit])
            return try ids.compactMap { try loadFacts(db, subject: $0) }
        }
    }
}

extension VaultStore {
    /// Applies one page of the sweep in one vault transaction. Each subject's facts are read
    /// again there and `stillDue` must confirm the action, so an event recorded since the page
    /// was planned (a new file, a legal hold) is honoured; a subject that changed is left for
    /// the next sweep and returned. The keyring's ledger is written inside that transaction,
    /// before the rows go (whole subjects lose their key there): a crash after it is completed
    /// by the ledger replay at the next open. The WAL is truncated afterwards.
    package func applySweep(_ actions: [SweepAction], at now: Instant, stillDue: (SweepAction, Facts) -> Bool) throws -> [String] {
        guard !actions.isEmpty else { return [] }
        let skipped = try pool.write { db -> [String] in
            var confirmed: [SweepAction] = []
            var skipped: [String] = []
            for action in actions {
                if let facts = try vault.loadFacts(db, subject: action.subject), stillDue(action, facts) {
                    confirmed.append(action)
                } else {
                    skipped.append(action.subject)
                }
            }
            guard !confirmed.isEmpty else { return skipped }
            let records = confirmed.map { ErasureRecord(subject: $0.subject, wholeSubject: $0.wholeSubject, destroyed: $0.wholeSubject ? [] : $0.destroy) }
            let appended = try keyring.recordErasures(records, at: now)
            for action in confirmed {
                if action.wholeSubject {
                    try Vault.keepConsentProof(db, subject: action.subject, hash: keyring.ledgerHash(action.subject), at: now)
                    try db.execute(sql: "DELETE FROM subjects WHERE id = ?", arguments: [action.subject])
                } else {
                    try Vault.destroyFields(db, subject: action.subject, fields: action.destroy, at: now)
                }
                try Vault.insertTasks(db, action.tasks)
                _ = try DecisionLog.insert(LogEntry(action.decision, at: now), into: db)
            }
            try db.execute(sql: """
                INSERT INTO sweep_runs (at, subjects, fields) VALUES (?, ?, ?)
                ON CONFLICT (at) DO UPDATE SET subjects = subjects + excluded.subjects, fields = fields + excluded.fields
                """, arguments: [now.millisecondsSinceEpoch, confirmed.count, confirmed.reduce(0) { $0 + $1.decision.fields.count }])
            try Self.markApplied(db, appended)
            return skipped
        }
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        return skipped
    }
}
