package import CustosPolicy
package import CustosDecision

/// What the officer's records need from the store: legal holds, objection assessments,
/// restrictions and sub-processor records, each durable when it returns and read into the
/// facts of the next decision. The rules (defaults, who may lift what, sub-processor checks) are
/// `OfficerDesk`'s (Custos); SQLite's `VaultStore` and PostgreSQL's `PostgresVault` implement this.
package protocol OfficerRecordStore: Sendable {
    func placeHold(subject: String, reference: String, since: LocalDate, fields: [String]?, purposes: [String]?, by actor: String) throws -> Int64
    /// Ends an open hold on a date; the hold stays on record.
    func liftHold(id: Int64, until: LocalDate, by actor: String) throws
    func holds(of subject: String) throws -> [StoredHold]
    /// Records the Art. 21(1) assessment of an objection; `overridden` needs the reference of
    /// the documented compelling grounds.
    func assessObjection(id: Int64, assessment: ObjectionAssessment, reference: String?, at now: Instant, by actor: String) throws
    func objections(of subject: String) throws -> [StoredObjection]
    func placeRestriction(subject: String, fields: [String]?, ground: String, since: Instant) throws -> Int64
    /// Lifts a restriction in force; the subject must have been told first (Art. 18(3)).
    func liftRestriction(id: Int64, subjectInformedAt informed: Instant, at now: Instant) throws
    func restrictions(of subject: String) throws -> [StoredRestriction]
    func recordSubProcessor(_ record: SubProcessorRecord, note: String?, at now: Instant, by actor: String) throws -> Int64
    /// Every sub-processor record, oldest first.
    func subProcessorRecords() throws -> [StoredSubProcessorRecord]
}

extension VaultStore: OfficerRecordStore {
    package func placeHold(subject: String, reference: String, since: LocalDate, fields: [String]?, purposes: [String]?, by actor: String) throws -> Int64 {
        try vault.placeHold(subject: subject, reference: reference, since: since, fields: fields, purposes: purposes, by: actor)
    }
    package func liftHold(id: Int64, until: LocalDate, by actor: String) throws { try vault.liftHold(id: id, until: until, by: actor) }
    package func holds(of subject: String) throws -> [StoredHold] { try vault.holds(of: subject) }
    package func assessObjection(id: Int64, assessment: ObjectionAssessment, reference: String?, at now: Instant, by actor: String) throws {
        try vault.assessObjection(id: id, assessment: assessment, reference: reference, at: now, by: actor)
    }
    package func objections(of subject: String) throws -> [StoredObjection] { try vault.objections(of: subject) }
    package func placeRestriction(subject: String, fields: [String]?, ground: String, since: Instant) throws -> Int64 {
        try vault.placeRestriction(subject: subject, fields: fields, ground: ground, since: since)
    }
    package func liftRestriction(id: Int64, subjectInformedAt informed: Instant, at now: Instant) throws {
        try vault.liftRestriction(id: id, subjectInformedAt: informed, at: now)
    }
    package func restrictions(of subject: String) throws -> [StoredRestriction] { try vault.restrictions(of: subject) }
    package func recordSubProcessor(_ record: SubProcessorRecord, note: String?, at now: Instant, by actor: String) throws -> Int64 {
        try vault.recordSubProcessor(record, note: note, at: now, by: actor)
    }
    package func subProcessorRecords() throws -> [StoredSubProcessorRecord] { try vault.subProcessorRecords() }
}
