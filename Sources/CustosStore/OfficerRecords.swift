import Foundation
internal import GRDB
package import CustosPolicy
package import CustosDecision

/// A legal hold, objection or restriction as stored, with its row id for later decisions.
package struct StoredHold: Sendable, Hashable, Codable {
    package var id: Int64
    package var hold: LegalHold

    package init(id: Int64, hold: LegalHold) {
        self.id = id
        self.hold = hold
    }
}

package struct StoredObjection: Sendable, Hashable, Codable {
    package var id: Int64
    package var objection: Objection

    package init(id: Int64, objection: Objection) {
        self.id = id
        self.objection = objection
    }
}

extension ObjectionKind {
    /// Why an objection of this kind takes no Art. 21(1) assessment, or nil (a general one
    /// does). An objection to direct marketing is absolute (Art. 21(3)): no compelling grounds
    /// override it, so a record saying "overridden" would say what the law does not allow. An
    /// objection to automated decisions asks for a human who can change them (Art. 22(3)), not
    /// for a balancing.
    package func assessmentRefusal(id: Int64) -> LibraryWords? {
        switch self {
        case .general: nil
        case .directMarketing:
            LibraryWords("objection.absolute", "objection #{id} is to direct marketing: it is absolute (Art. 21(3)) and takes no assessment", ["id": "\(id)"])
        case .automatedDecision:
            LibraryWords("objection.humanIntervention",
                         "objection #{id} is to automated decisions: it asks for a human who can change them (Art. 22(3)), not for a balancing, and takes no assessment",
                         ["id": "\(id)"])
        }
    }
}

package struct StoredRestriction: Sendable, Hashable, Codable {
    package var id: Int64
    package var restriction: Restriction
    package var subjectInformedAt: Instant?

    package init(id: Int64, restriction: Restriction, subjectInformedAt: Instant?) {
        self.id = id
        self.restriction = restriction
        self.subjectInformedAt = subjectInformedAt
    }
}

/// What the officer records about a subject that changes decisions: legal holds, objections
/// and their assessment, restrictions. Each write is durable when it returns.
extension Vault {
    private func requireSubject(_ db: Database, _ subject: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM subjects WHERE id = ?", arguments: [subject]) == true else {
            throw StoreError.subjectUnknown(subject)
        }
    }

    private static func joined(_ list: [String]?) -> String? { list.map { $0.joined(separator: "\n") } }

    // One reading of each officer record, for the facts and for the officer's own lists.

    static func lines(_ text: String?) -> [String]? { text.map { $0.split(separator: "\n").map(String.init) } }

    static func objection(_ row: Row) -> Objection {
        Objection(purpose: row["purpose"], kind: ObjectionKind(rawValue: row["kind"]) ?? .general, at: Instant(millisecondsSinceEpoch: row["effective_at"]),
                  assessment: (row["assessment"] as String?).flatMap(ObjectionAssessment.init(rawValue:)), assessmentReference: row["assessment_reference"])
    }

    static func restriction(_ row: Row) -> Restriction {
        Restriction(fields: lines(row["fields"]), since: Instant(millisecondsSinceEpoch: row["since"]),
                    lifted: (row["lifted"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)), ground: row["ground"])
    }

    static func legalHold(_ row: Row) -> LegalHold? {
        guard let since = LocalDate(parsing: row["since"]) else { return nil }
        return LegalHold(reference: row["reference"], since: since, until: (row["until"] as String?).flatMap(LocalDate.init(parsing:)),
                         fields: lines(row["fields"]), purposes: lines(row["purposes"]))
    }

    package func placeHold(subject: String, reference: String, since: LocalDate, fields: [String]?, purposes: [String]?, by actor: String) throws -> Int64 {
        try pool.write { db in
            try requireSubject(db, subject)
            try db.execute(sql: "INSERT INTO legal_holds (subject_id, reference, since, fields, purposes, placed_by) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [subject, reference, since.description, Self.joined(fields), Self.joined(purposes), actor])
            return db.lastInsertedRowID
        }
    }

    /// Ends a hold on a date; the hold stays on record.
    package func liftHold(id: Int64, until: LocalDate, by actor: String) throws {
        try pool.write { db in
            // ISO dates compare as text: a hold cannot end before it began.
            try db.execute(sql: "UPDATE legal_holds SET until = ?, lifted_by = ? WHERE id = ? AND until IS NULL AND since <= ?",
                           arguments: [until.description, actor, id, until.description])
            guard db.changesCount == 1 else { throw StoreError.invalidInput(OfficerRecordRefusal.holdNotLiftable(id, until: until)) }
        }
    }

    package func holds(of subject: String) throws -> [StoredHold] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM legal_holds WHERE subject_id = ? ORDER BY id", arguments: [subject]).compactMap { row in
                Self.legalHold(row).map { StoredHold(id: row["id"], hold: $0) }
            }
        }
    }

    package func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant, at now: Instant) throws -> Int64 {
        try pool.write { db in
            try requireSubject(db, subject)
            return try Self.insertObjection(db, subject: subject, purpose: purpose, kind: kind, effective: effective, at: now)
        }
    }

    /// One objection row, in the caller's transaction (alone, or with the request that carries it).
    static func insertObjection(_ db: Database, subject: String, purpose: String?, kind: ObjectionKind, effective: Instant, at now: Instant) throws -> Int64 {
        try db.execute(sql: "INSERT INTO objections (subject_id, purpose, kind, effective_at, recorded_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [subject, purpose, kind.rawValue, effective.millisecondsSinceEpoch, now.millisecondsSinceEpoch])
        return db.lastInsertedRowID
    }

    /// Records the Art. 21(1) assessment of an objection; `overridden` needs a reference to
    /// the documented compelling grounds.
    package func assessObjection(id: Int64, assessment: ObjectionAssessment, reference: String?, at now: Instant, by actor: String) throws {
        if assessment == .overridden, (reference ?? "").isEmpty { throw StoreError.invalidInput("an override needs the reference of the documented assessment") }
        try pool.write { db in
            guard let kind = try String.fetchOne(db, sql: "SELECT kind FROM objections WHERE id = ?", arguments: [id]) else {
                throw StoreError.invalidInput("no objection #\(id)")
            }
            if let refusal = (ObjectionKind(rawValue: kind) ?? .general).assessmentRefusal(id: id) { throw StoreError.refused(refusal) }
            try db.execute(sql: "UPDATE objections SET assessment = ?, assessment_reference = ?, assessed_by = ?, assessed_at = ? WHERE id = ?",
                           arguments: [assessment.rawValue, reference, actor, now.millisecondsSinceEpoch, id])
        }
    }

    package func objections(of subject: String) throws -> [StoredObjection] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM objections WHERE subject_id = ? ORDER BY id", arguments: [subject]).map { row in
                StoredObjection(id: row["id"], objection: Self.objection(row))
            }
        }
    }

    package func placeRestriction(subject: String, fields: [String]?, ground: String, since: Instant) throws -> Int64 {
        try pool.write { db in
            try requireSubject(db, subject)
            try db.execute(sql: "INSERT INTO restrictions (subject_id, fields, since, ground) VALUES (?, ?, ?, ?)",
                           arguments: [subject, Self.joined(fields), since.millisecondsSinceEpoch, ground])
            return db.lastInsertedRowID
        }
    }

    /// A restriction request's restriction, its tasks and its closing, in one transaction
    /// (`RightsStore.restrict`).
    package func restrict(subject: String, fields: [String]?, ground: String, tasks: [RecipientTask], request: String, by actor: String,
                          outcome: @escaping @Sendable (Int64) -> LibraryWords, since: Instant) throws -> Int64 {
        try pool.write { db in
            try requireSubject(db, subject)
            try db.execute(sql: "INSERT INTO restrictions (subject_id, fields, since, ground) VALUES (?, ?, ?, ?)",
                           arguments: [subject, Self.joined(fields), since.millisecondsSinceEpoch, ground])
            let id = db.lastInsertedRowID
            try Self.insertTasks(db, tasks)
            try closeFulfilled(db, RequestClosing(request: request, outcome: outcome(id), actor: actor), at: since)
            return id
        }
    }

    /// Lifts a restriction; Art. 18(3) requires the subject to be told first, so the instant
    /// they were told is required and may not come after the lifting.
    package func liftRestriction(id: Int64, subjectInformedAt informed: Instant, at now: Instant) throws {
        guard informed <= now else { throw StoreError.invalidInput(OfficerRecordRefusal.toldLater) }
        try pool.write { db in
            // The subject is told of the lifting while the restriction is in force (Art. 18(3)).
            try db.execute(sql: "UPDATE restrictions SET lifted = ?, subject_informed_at = ? WHERE id = ? AND lifted IS NULL AND since <= ?",
                           arguments: [now.millisecondsSinceEpoch, informed.millisecondsSinceEpoch, id, informed.millisecondsSinceEpoch])
            guard db.changesCount == 1 else { throw StoreError.invalidInput(OfficerRecordRefusal.restrictionNotLiftable(id)) }
        }
    }

    package func restrictions(of subject: String) throws -> [StoredRestriction] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM restrictions WHERE subject_id = ? ORDER BY id", arguments: [subject]).map { row in
                StoredRestriction(id: row["id"], restriction: Self.restriction(row),
                                  subjectInformedAt: (row["subject_informed_at"] as Int64?).map(Instant.init(millisecondsSinceEpoch:)))
            }
        }
    }
}

/// The officer's overview across subjects: what waits on the officer today (the console's
/// first page), read in one statement each.
extension Vault {
    /// General objections without an Art. 21(1) assessment, oldest first.
    package func objectionsAwaitingAssessment() throws -> [(subject: String, objection: StoredObjection)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM objections WHERE assessment IS NULL AND kind = 'general' ORDER BY effective_at, id").map { row in
                (row["subject_id"], StoredObjection(id: row["id"], objection: Self.objection(row)))
            }
        }
    }

    /// Legal holds not lifted, oldest first.
    package func holdsInForce() throws -> [(subject: String, hold: StoredHold)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM legal_holds WHERE until IS NULL ORDER BY since, id").compactMap { row in
                Self.legalHold(row).map { (row["subject_id"], StoredHold(id: row["id"], hold: $0)) }
            }
        }
    }

    /// Consent withdrawals effective at or after `since`, newest first.
    package func withdrawals(since: Instant) throws -> [ConsentHistoryEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT subject_id, purpose, notice_id, notice_version, effective_at FROM consent_events WHERE state = 'withdrawn' AND effective_at >= ? ORDER BY effective_at DESC, id DESC",
                             arguments: [since.millisecondsSinceEpoch]).map { row in
                ConsentHistoryEntry(subject: row["subject_id"], purpose: row["purpose"], state: .withdrawn, noticeId: row["notice_id"],
                                    noticeVersion: row["notice_version"], effectiveAt: Instant(millisecondsSinceEpoch: row["effective_at"]))
            }
        }
    }
}
