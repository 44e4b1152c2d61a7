import Foundation
internal import GRDB
package import CustosPolicy
package import CustosDecision

/// The Art. 14 record of one subject and notice: when the information reached them, or the
/// Art. 14(5) ground on which it was not owed, and who recorded it.
package struct InformationRecord: Sendable, Equatable {
    package var subject: String
    package var notice: String
    package var at: Instant
    package var exception: InformationException?
    /// Why the exception applies (required with one), or how the information was sent.
    package var ground: String?
    package var channel: String?
    package var recordedAt: Instant
    package var recordedBy: String

    package init(subject: String, notice: String, at: Instant, exception: InformationException?, ground: String?, channel: String?,
                 recordedAt: Instant, recordedBy: String) {
        self.subject = subject
        self.notice = notice
        self.at = at
        self.exception = exception
        self.ground = ground
        self.channel = channel
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
    }
}

/// A disclosure or communication that came before the information: it moved the subject's
/// deadline to its own moment (Art. 14(3)(b), (c)) and is the officer's task until the
/// information is recorded.
package struct InformationTask: Sendable, Equatable {
    package enum Trigger: String, Sendable { case communication, disclosure }
    package var subject: String
    package var notice: String
    package var purpose: String
    package var trigger: Trigger
    package var recipient: String?
    package var at: Instant
    package var logSequence: Int64?

    package init(subject: String, notice: String, purpose: String, trigger: Trigger, recipient: String?, at: Instant, logSequence: Int64?) {
        self.subject = subject
        self.notice = notice
        self.purpose = purpose
        self.trigger = trigger
        self.recipient = recipient
        self.at = at
        self.logSequence = logSequence
    }
}

/// A value the vault holds that came from someone other than the subject (by its recorded
/// provenance), with when it was obtained.
package struct IndirectHolding: Sendable {
    package var subject: String
    package var categories: [String]
    package var field: String
    package var source: String
    package var collectedAt: Instant

    package init(subject: String, categories: [String], field: String, source: String, collectedAt: Instant) {
        self.subject = subject
        self.categories = categories
        self.field = field
        self.source = source
        self.collectedAt = collectedAt
    }
}

extension Vault {
    /// Stores records in one transaction: all of them, or none when a subject is missing.
    package func recordInformation(_ records: [InformationRecord]) throws {
        try pool.write { db in
            for record in records {
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM subjects WHERE id = ?)", arguments: [record.subject]) == true else {
                    throw StoreError.invalidInput("no subject \(record.subject) in the vault")
                }
                try db.cachedStatement(sql: """
                    INSERT INTO information_given (subject_id, notice, given_at, exception, ground, channel, recorded_at, recorded_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [record.subject, record.notice, record.at.millisecondsSinceEpoch, record.exception?.rawValue, record.ground,
                                             record.channel, record.recordedAt.millisecondsSinceEpoch, record.recordedBy])
            }
        }
    }

    package func informationRecords(of subject: String? = nil) throws -> [InformationRecord] {
        try pool.read { db in
            let sql = "SELECT subject_id, notice, given_at, exception, ground, channel, recorded_at, recorded_by FROM information_given"
            let rows = try subject.map { try Row.fetchAll(db, sql: sql + " WHERE subject_id = ? ORDER BY id", arguments: [$0]) }
                ?? Row.fetchAll(db, sql: sql + " ORDER BY id")
            return rows.map { row in
                InformationRecord(subject: row[0], notice: row[1], at: Instant(millisecondsSinceEpoch: row[2]),
                                  exception: (row[3] as String?).flatMap(InformationException.init(rawValue:)), ground: row[4], channel: row[5],
                                  recordedAt: Instant(millisecondsSinceEpoch: row[6]), recordedBy: row[7])
            }
        }
    }

    package func informationTasks() throws -> [InformationTask] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT subject_id, notice, purpose, trigger, recipient, at, seq FROM information_tasks ORDER BY at, subject_id").map(Self.informationTask)
        }
    }

    static func informationTask(_ row: Row) -> InformationTask {
        InformationTask(subject: row[0], notice: row[1], purpose: row[2], trigger: InformationTask.Trigger(rawValue: row[3]) ?? .disclosure,
                        recipient: row[4], at: Instant(millisecondsSinceEpoch: row[5]), logSequence: row[6])
    }

    /// Records the first disclosure or communication before the information; a later one
    /// changes nothing (the first is what set the deadline). A share's task is written in the
    /// share's transaction, a read's in its log entry's (`DecisionLog.append`). A task whose
    /// subject is gone is left out: an erasure between a read and its log's commit must not
    /// fail every entry of the group.
    static func recordInformationTask(_ task: InformationTask, into db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO information_tasks (subject_id, notice, purpose, trigger, recipient, at, seq)
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM subjects WHERE id = ?1)
            """).execute(arguments: [task.subject, task.notice, task.purpose, task.trigger.rawValue, task.recipient,
                                     task.at.millisecondsSinceEpoch, task.logSequence])
    }

    /// Every stored value recorded with one of these provenances, with its subject's
    /// categories: what the Art. 14 deadlines are computed from.
    package func indirectHoldings(provenances: [String]) throws -> [IndirectHolding] {
        guard !provenances.isEmpty else { return [] }
        return try pool.read { db in
            let marks = Array(repeating: "?", count: provenances.count).joined(separator: ", ")
            return try Row.fetchAll(db, sql: """
                SELECT f.subject_id, s.category, (SELECT group_concat(category, char(10)) FROM subject_categories WHERE subject_id = s.id),
                       f.field, f.source, f.collected_at
                FROM fields f JOIN subjects s ON s.id = f.subject_id WHERE f.source IN (\(marks)) ORDER BY f.subject_id, f.field
                """, arguments: StatementArguments(provenances)).map { row in
                IndirectHolding(subject: row[0], categories: [row[1]] + ((row[2] as String?).map { $0.split(separator: "\n").map(String.init) } ?? []),
                                field: row[3], source: row[4], collectedAt: Instant(millisecondsSinceEpoch: row[5]))
            }
        }
    }
}

extension VaultTransaction {
    /// The task of a share before the information, in the share's own transaction.
    package func recordInformationTask(_ task: InformationTask) throws {
        try Vault.recordInformationTask(task, into: db)
    }
}
