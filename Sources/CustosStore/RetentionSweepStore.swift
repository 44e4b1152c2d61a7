import Foundation
internal import GRDB
public import CustosPolicy
public import CustosDecision

/// What the sweep does to one subject: destroy some fields, or (nothing left) the subject.
public struct SweepAction: Sendable {
    public var subject: String
    public var destroy: [String]
    public var wholeSubject: Bool
    /// The logged decision that records it.
    public var decision: Decision
    public var tasks: [RecipientTask]

    public init(subject: String, destroy: [String], wholeSubject: Bool, decision: Decision, tasks: [RecipientTask]) {
        self.subject = subject
        self.destroy = destroy
        self.wholeSubject = wholeSubject
        self.decision = decision
        self.tasks = tasks
    }
}

extension Vault {
    /// The facts of up to `limit` subjects with ids after `after`, in id order, read in one
    /// transaction: the sweep walks the vault page by page.
    public func factsPage(after: String?, limit: Int) throws -> [Facts] {
        try pool.read { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM subjects WHERE id > ? ORDER BY id LIMIT ?", arguments: [after ?? "", limit])
            return try ids.compactMap { try loadFacts(db, subject: $0) }
        }
    }
}

extension VaultStore {
    /// Applies one page of the sweep: the keyring's ledger first (whole subjects lose their
    /// key there), then the vault rows, tasks and log entries in one transaction, then the
    /// WAL is truncated. A crash between the two is completed by the ledger replay at open.
    public func applySweep(_ actions: [SweepAction], at now: Instant) throws {
        guard !actions.isEmpty else { return }
        let records = actions.map { ErasureRecord(subject: $0.subject, wholeSubject: $0.wholeSubject, destroyed: $0.wholeSubject ? [] : $0.destroy) }
        let ledgerSize = try keyring.recordErasures(records, at: now)
        try pool.write { db in
            for action in actions {
                if action.wholeSubject {
                    try Vault.keepConsentProof(db, subject: action.subject, hash: keyring.ledgerHash(action.subject), at: now)
                    try db.execute(sql: "DELETE FROM subjects WHERE id = ?", arguments: [action.subject])
                } else {
                    try Vault.destroyFields(db, subject: action.subject, fields: action.destroy, at: now)
                }
                try Vault.insertTasks(db, action.tasks)
                _ = try DecisionLog.insert(LogEntry(action.decision, at: now), into: db)
            }
            try Self.markReplayed(db, ledgerSize)
        }
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }
}
