package import CustosPolicy

/// What the officer's console shows across subjects beyond the registers it shares with
/// reports and fulfilment: what waits on the officer, recent withdrawals, the last sweep, and a
/// subject's metadata. The views are `OfficerOverview`'s (Custos); SQLite's `VaultStore` and
/// PostgreSQL's `PostgresVault` implement this.
package protocol OverviewStore: ReportSource, RightsStore {
    /// General objections without an Art. 21(1) assessment, oldest first.
    func objectionsAwaitingAssessment() throws -> [(subject: String, objection: StoredObjection)]
    /// Legal holds not lifted, oldest first.
    func holdsInForce() throws -> [(subject: String, hold: StoredHold)]
    /// Consent withdrawals effective at or after `since`, newest first.
    func withdrawals(since: Instant) throws -> [ConsentHistoryEntry]
    /// The last retention sweep that destroyed something, as its pages summed it up: its
    /// instant, and how many subjects and fields it logged.
    func lastSweep() throws -> (at: Instant, subjects: Int, fields: Int)?
    /// A subject's categories, provenance and events, without a value.
    func metadata(of subject: String) throws -> SubjectMetadata
    /// Brings the index of subjects' trails towards the log's head, in at most `transactions`
    /// transactions of 4,096 entries, and returns how many entries it indexed (0: caught up).
    /// SQLite keeps it behind the log (`LogSubjectBlocks`), so that no append pays for it;
    /// `custos serve` calls this every few seconds. PostgreSQL indexes the log itself.
    func indexSubjectTrails(transactions: Int) throws -> Int64
}

extension VaultStore: OverviewStore {
    package func objectionsAwaitingAssessment() throws -> [(subject: String, objection: StoredObjection)] { try vault.objectionsAwaitingAssessment() }
    package func holdsInForce() throws -> [(subject: String, hold: StoredHold)] { try vault.holdsInForce() }
    package func withdrawals(since: Instant) throws -> [ConsentHistoryEntry] { try vault.withdrawals(since: since) }
    package func metadata(of subject: String) throws -> SubjectMetadata { try vault.metadata(of: subject) }
    package func indexSubjectTrails(transactions: Int) throws -> Int64 { try LogSubjectBlocks.catchUp(pool, transactions: transactions) }
}
