import Foundation
internal import GRDB
internal import CustosCrypto
package import CustosPolicy
package import CustosDecision

/// One disclosure with its subject, for reports across subjects.
package struct DisclosureRecordEntry: Sendable, Hashable {
    package var subject: String
    package var disclosure: DisclosureEntry

    package init(subject: String, disclosure: DisclosureEntry) {
        self.subject = subject
        self.disclosure = disclosure
    }
}

/// A consent event for the consent report: from the ledger of a living subject, or from the
/// proof an erased subject left (then `subject` is the salted hash in hex).
package struct ConsentHistoryEntry: Sendable, Hashable {
    package var subject: String
    package var purpose: String
    package var state: ConsentState
    package var noticeId: String?
    package var noticeVersion: Int?
    package var effectiveAt: Instant

    package init(subject: String, purpose: String, state: ConsentState, noticeId: String?, noticeVersion: Int?, effectiveAt: Instant) {
        self.subject = subject
        self.purpose = purpose
        self.state = state
        self.noticeId = noticeId
        self.noticeVersion = noticeVersion
        self.effectiveAt = effectiveAt
    }
}

/// The read-only view reports are built from (DESIGN §2: reports never write to the store),
/// on either backend: `VaultStore` (SQLite) and `PostgresVault` implement it.
package protocol ReportSource: Sendable {
    /// The chain, verified (from its signed start when entries were pruned).
    func verifyLog() throws -> LogVerification
    /// The newest signed checkpoint of the log, if any was taken.
    func lastCheckpoint() throws -> (seq: Int64, at: Instant)?
    /// The store's own name and version, e.g. "SQLite 3.46.1" or "PostgreSQL 15.8".
    func storeVersion() throws -> String
    /// A simulation vault's reports say so.
    var isSimulation: Bool { get }
    /// At most `limit` decision-log entries after sequence number `after`, recorded in
    /// `[from, to)`, optionally of one subject, in order: one page of `forEachLogEntry`.
    func logEntries(from: Instant?, to: Instant?, subject: String?, after: Int64, limit: Int) throws -> [LogEntry]
    /// At most `limit` disclosures recorded in `[from, to)` after the ledger's row `after`,
    /// oldest first, each with its row: one page of `forEachDisclosure`.
    func disclosures(from: Instant?, to: Instant?, after: Int64, limit: Int) throws -> [(row: Int64, entry: DisclosureRecordEntry)]
    /// Reads the consent ledger in one snapshot, holding a page of it at a time: `subject`
    /// gets each subject's events, every purpose's, in the order they were recorded per
    /// purpose (the living subjects', then the erased subjects' proofs, their subject the
    /// salted hash in hex); `refusal` every consent refused at the door. One snapshot, so that
    /// a subject erased meanwhile is counted once, as it stood.
    func readConsentLedger(_ subject: ([ConsentHistoryEntry]) throws -> Void, refusal: (ConsentRefusal) throws -> Void) throws
}

extension ReportSource {
    /// Calls `body` with every decision-log entry recorded in `[from, to)`, optionally of one
    /// subject, in order, reading `pageSize` entries at a time. A report over the log holds one
    /// page, never the whole log: a server logs every read, and an activity report over
    /// 306,000 entries loaded at once took 776 MB (BENCHMARKS.md, "Reports over a long log").
    /// The pages are read one after another, each continuing after the last entry seen, so an
    /// entry appended meanwhile may be included and none is read twice.
    ///
    /// ```swift
    /// var permits = 0
    /// try store.forEachLogEntry(from: nil, to: .now, subject: nil) { if $0.outcome == "permit" { permits += 1 } }
    /// ```
    package func forEachLogEntry(from: Instant?, to: Instant?, subject: String?, pageSize: Int = KeysetPages.size,
                                 _ body: (LogEntry) throws -> Void) throws {
        try KeysetPages.forEach(size: pageSize, first: Int64.min, page: { after, limit in
            try logEntries(from: from, to: to, subject: subject, after: after, limit: limit)
        }, key: \.seq, what: "the decision log", body)
    }

    /// Calls `body` with every disclosure recorded in `[from, to)`, oldest first, reading
    /// `pageSize` at a time: the ledger grows with every share, and the transfers report and a
    /// recipient's breach keep only what they count or list.
    ///
    /// ```swift
    /// var abroad = 0
    /// try store.forEachDisclosure(from: nil, to: .now) { if $0.disclosure.destination == "US" { abroad += 1 } }
    /// ```
    package func forEachDisclosure(from: Instant?, to: Instant?, pageSize: Int = KeysetPages.size,
                                   _ body: (DisclosureRecordEntry) throws -> Void) throws {
        try KeysetPages.forEach(size: pageSize, first: Int64.min, page: { after, limit in
            try disclosures(from: from, to: to, after: after, limit: limit)
        }, key: \.row, what: "the disclosure ledger") { try body($0.entry) }
    }

    /// Every disclosure in `[from, to)`, oldest first, in one array: for tests and small
    /// ledgers; a reader over the whole ledger goes page by page (`forEachDisclosure`).
    package func disclosures(from: Instant?, to: Instant?) throws -> [DisclosureRecordEntry] {
        var entries: [DisclosureRecordEntry] = []
        try forEachDisclosure(from: from, to: to) { entries.append($0) }
        return entries
    }

    /// Every entry in `[from, to)`, optionally of one subject, in one array: for one subject's
    /// trail and for tests. A report over every subject reads page by page (`forEachLogEntry`).
    package func logEntries(from: Instant?, to: Instant?, subject: String?) throws -> [LogEntry] {
        var entries: [LogEntry] = []
        try forEachLogEntry(from: from, to: to, subject: subject) { entries.append($0) }
        return entries
    }
}

extension VaultStore: ReportSource {
    package func storeVersion() throws -> String { "SQLite \(try sqliteVersion())" }
}

extension VaultStore {
    package func logEntries(from: Instant?, to: Instant?, subject: String?, after: Int64, limit: Int) throws -> [LogEntry] {
        try pool.read { db in
            // A subject's entries from the index kept behind the log, and the log after its mark.
            if let subject { return try LogSubjectBlocks.entries(db, subject: subject, after: after, limit: limit, from: from, to: to) }
            // `seq` is the table's row id: each page starts where the last one ended.
            var conditions = ["seq > ?"]
            var arguments: [any DatabaseValueConvertible] = [after]
            if let from { conditions.append("at >= ?"); arguments.append(from.millisecondsSinceEpoch) }
            if let to { conditions.append("at < ?"); arguments.append(to.millisecondsSinceEpoch) }
            arguments.append(limit)
            let sql = "SELECT * FROM decision_log WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT ?"
            var entries: [LogEntry] = []
            entries.reserveCapacity(min(limit, 1_024))
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
            while let row = try rows.next() { entries.append(LogEntry(row: row)) }
            return entries
        }
    }

    package func disclosures(from: Instant?, to: Instant?, after: Int64, limit: Int) throws -> [(row: Int64, entry: DisclosureRecordEntry)] {
        try pool.read { db in
            // `id` is the table's row id: each page starts where the last one ended.
            try Row.fetchAll(db, sql: "SELECT * FROM disclosures WHERE id > ? AND at >= ? AND at < ? ORDER BY id LIMIT ?",
                             arguments: [after, from?.millisecondsSinceEpoch ?? Int64.min, to?.millisecondsSinceEpoch ?? Int64.max, limit]).map { row in
                (row["id"], DisclosureRecordEntry(subject: row["subject_id"], disclosure: DisclosureEntry(
                    recipient: row["recipient"], recipientName: row["recipient_name"], purpose: row["purpose"], fields: (row["fields"] as String).split(separator: "\n").map(String.init),
                    at: Instant(millisecondsSinceEpoch: row["at"]), destination: row["destination"], mechanism: row["mechanism"],
                    procedure: row["procedure"], decisionSeq: row["decision_seq"])))
            }
        }
    }

    /// The ledger streamed from one read transaction: SQLite's cursors hold a statement's
    /// row, not its result, and a read transaction is one snapshot.
    package func readConsentLedger(_ subject: ([ConsentHistoryEntry]) throws -> Void, refusal: (ConsentRefusal) throws -> Void) throws {
        try pool.read { db in
            // The living subjects' events in the order of the index on (subject_id, purpose),
            // whose rows follow the row id; then the erased subjects' proofs, each phase
            // handing on its last subject before the next begins.
            let phases = [
                "SELECT subject_id, purpose, state, notice_id, notice_version, effective_at FROM consent_events ORDER BY subject_id, purpose, id",
                "SELECT subject_hash, purpose, state, notice_id, notice_version, effective_at FROM consent_proofs ORDER BY subject_hash, id",
            ]
            for (index, sql) in phases.enumerated() {
                var grouped = ConsentLedgerGroups()
                let rows = try Row.fetchCursor(db, sql: sql)
                while let row = try rows.next() {
                    let owner: String = index == 0 ? row[0] : Hex.encode([UInt8](row[0] as Data))
                    let event = ConsentHistoryEntry(subject: owner, purpose: row[1], state: ConsentState(rawValue: row[2]) ?? .given,
                                                    noticeId: row[3], noticeVersion: row[4], effectiveAt: Instant(millisecondsSinceEpoch: row[5]))
                    if let history = grouped.add(event) { try subject(history) }
                }
                if let history = grouped.finish() { try subject(history) }
            }
            let refusals = try Row.fetchCursor(db, sql: "SELECT subject_id, purpose, code, at FROM consent_refusals ORDER BY id")
            while let row = try refusals.next() {
                try refusal(ConsentRefusal(subject: row[0], purpose: row[1], code: ReasonCode(rawValue: row[2]) ?? .engineError,
                                           at: Instant(millisecondsSinceEpoch: row[3])))
            }
        }
    }

    /// The newest signed checkpoint of the log, if any was taken.
    package func lastCheckpoint() throws -> (seq: Int64, at: Instant)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT seq, at FROM audit_checkpoints ORDER BY at DESC, seq DESC LIMIT 1").map { ($0["seq"], Instant(millisecondsSinceEpoch: $0["at"])) }
        }
    }

    /// The last retention sweep that destroyed something: its instant, and how many subjects
    /// and fields it logged (one entry per subject, all at the sweep's instant), as its pages
    /// summed them up (`sweep_runs`, vault v21), not read from the log.
    package func lastSweep() throws -> (at: Instant, subjects: Int, fields: Int)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT at, subjects, fields FROM sweep_runs ORDER BY at DESC LIMIT 1").map { row in
                (Instant(millisecondsSinceEpoch: row[0]), row[1], row[2])
            }
        }
    }

    /// The SQLite library the store runs on.
    package func sqliteVersion() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "unknown" }
    }

    /// How many subjects the vault holds, per category.
    package func subjectsPerCategory() throws -> [String: Int] {
        try pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT category, COUNT(*) AS n FROM subjects GROUP BY category").map { ($0["category"], $0["n"]) })
        }
    }
}
