import Foundation
import PostgresNIO
package import CustosStore
package import CustosPolicy
package import CustosDecision

/// The officer's records on PostgreSQL (`OfficerRecordStore`), as on SQLite: each write commits
/// before it returns, so the next decision of every process reads it into its facts.
extension PostgresVault: OfficerRecordStore {
    private static func joined(_ list: [String]?) -> String? { list.map { $0.joined(separator: "\n") } }

    /// Inserts a row for an existing subject and returns its id, in one statement: the subject
    /// check and the insert cannot be split by an erasure in another process.
    private func insertForSubject(_ subject: String, _ query: PostgresQuery) throws -> Int64 {
        try run { client, logger in
            var id: Int64?
            for try await inserted in try await client.query(query, logger: logger).decode(Int64.self) { id = inserted }
            guard let id else { throw StoreError.subjectUnknown(subject) }
            return id
        }
    }

    private func updateOne(_ query: PostgresQuery, otherwise refusal: String) throws {
        try run { client, logger in
            guard try await PostgresDatabase.touched(try await client.query(query, logger: logger)) else { throw StoreError.invalidInput(refusal) }
        }
    }

    package func placeHold(subject: String, reference: String, since: LocalDate, fields: [String]?, purposes: [String]?, by actor: String) throws -> Int64 {
        try insertForSubject(subject, """
            INSERT INTO legal_holds (subject_id, reference, since, fields, purposes, placed_by)
            SELECT id, \(reference), \(since.description), \(Self.joined(fields)), \(Self.joined(purposes)), \(actor) FROM subjects WHERE id = \(subject)
            RETURNING id
            """)
    }

    package func liftHold(id: Int64, until: LocalDate, by actor: String) throws {
        try updateOne("""
            UPDATE legal_holds SET until = \(until.description), lifted_by = \(actor) WHERE id = \(id) AND until IS NULL AND since <= \(until.description) RETURNING 1
            """, otherwise: OfficerRecordRefusal.holdNotLiftable(id, until: until))
    }

    package func holds(of subject: String) throws -> [StoredHold] {
        try run { client, logger in
            var holds: [StoredHold] = []
            for try await (id, reference, since, until, fields, purposes) in try await client.query(
                "SELECT id, reference, since, until, fields, purposes FROM legal_holds WHERE subject_id = \(subject) ORDER BY id", logger: logger)
                .decode((Int64, String, String, String?, String?, String?).self) {
                BlockingBridge.beat()
                guard let since = LocalDate(parsing: since) else { continue }
                holds.append(StoredHold(id: id, hold: LegalHold(reference: reference, since: since, until: until.flatMap(LocalDate.init(parsing:)),
                                                                fields: Self.lines(fields), purposes: Self.lines(purposes))))
            }
            return holds
        }
    }

    package func assessObjection(id: Int64, assessment: ObjectionAssessment, reference: String?, at now: Instant, by actor: String) throws {
        if assessment == .overridden, (reference ?? "").isEmpty { throw StoreError.invalidInput("an override needs the reference of the documented assessment") }
        // An objection's kind never changes, so reading it before the update races with nothing.
        let kind = try run { client, logger in
            var kind: String?
            for try await (found) in try await client.query("SELECT kind FROM objections WHERE id = \(id)", logger: logger).decode(String.self) { kind = found }
            return kind
        }
        guard let kind else { throw StoreError.invalidInput("no objection #\(id)") }
        if let refusal = (ObjectionKind(rawValue: kind) ?? .general).assessmentRefusal(id: id) { throw StoreError.refused(refusal) }
        try updateOne("""
            UPDATE objections SET assessment = \(assessment.rawValue), assessment_reference = \(reference), assessed_by = \(actor),
              assessed_at = \(now.millisecondsSinceEpoch) WHERE id = \(id) RETURNING 1
            """, otherwise: "no objection #\(id)")
    }

    package func objections(of subject: String) throws -> [StoredObjection] {
        try run { client, logger in
            var objections: [StoredObjection] = []
            for try await (id, purpose, kind, at, assessment, reference) in try await client.query(
                "SELECT id, purpose, kind, effective_at, assessment, assessment_reference FROM objections WHERE subject_id = \(subject) ORDER BY id",
                logger: logger).decode((Int64, String?, String, Int64, String?, String?).self) {
                BlockingBridge.beat()
                objections.append(StoredObjection(id: id, objection: Objection(
                    purpose: purpose, kind: ObjectionKind(rawValue: kind) ?? .general, at: Instant(millisecondsSinceEpoch: at),
                    assessment: assessment.flatMap(ObjectionAssessment.init(rawValue:)), assessmentReference: reference)))
            }
            return objections
        }
    }

    package func placeRestriction(subject: String, fields: [String]?, ground: String, since: Instant) throws -> Int64 {
        try insertForSubject(subject, """
            INSERT INTO restrictions (subject_id, fields, since, ground)
            SELECT id, \(Self.joined(fields)), \(since.millisecondsSinceEpoch), \(ground) FROM subjects WHERE id = \(subject)
            RETURNING id
            """)
    }

    package func liftRestriction(id: Int64, subjectInformedAt informed: Instant, at now: Instant) throws {
        guard informed <= now else { throw StoreError.invalidInput(OfficerRecordRefusal.toldLater) }
        try updateOne("""
            UPDATE restrictions SET lifted = \(now.millisecondsSinceEpoch), subject_informed_at = \(informed.millisecondsSinceEpoch)
            WHERE id = \(id) AND lifted IS NULL AND since <= \(informed.millisecondsSinceEpoch) RETURNING 1
            """, otherwise: OfficerRecordRefusal.restrictionNotLiftable(id))
    }

    package func restrictions(of subject: String) throws -> [StoredRestriction] {
        try run { client, logger in
            var restrictions: [StoredRestriction] = []
            for try await (id, fields, since, lifted, ground, informed) in try await client.query(
                "SELECT id, fields, since, lifted, ground, subject_informed_at FROM restrictions WHERE subject_id = \(subject) ORDER BY id", logger: logger)
                .decode((Int64, String?, Int64, Int64?, String?, Int64?).self) {
                BlockingBridge.beat()
                restrictions.append(StoredRestriction(
                    id: id, restriction: Restriction(fields: Self.lines(fields), since: Instant(millisecondsSinceEpoch: since),
                                                     lifted: lifted.map(Instant.init(millisecondsSinceEpoch:)), ground: ground),
                    subjectInformedAt: informed.map(Instant.init(millisecondsSinceEpoch:))))
            }
            return restrictions
        }
    }

    package func recordSubProcessor(_ record: SubProcessorRecord, note: String?, at now: Instant, by actor: String) throws -> Int64 {
        try run { client, logger in
            var id: Int64 = 0
            for try await inserted in try await client.query("""
                INSERT INTO subprocessor_records (recipient, state, at, note, recorded_by, recorded_at)
                VALUES (\(record.recipient), \(record.state.rawValue), \(record.at.millisecondsSinceEpoch), \(note), \(actor), \(now.millisecondsSinceEpoch))
                RETURNING id
                """, logger: logger).decode(Int64.self) { id = inserted }
            return id
        }
    }

    package func subProcessorRecords() throws -> [StoredSubProcessorRecord] {
        try run { client, logger in
            var records: [StoredSubProcessorRecord] = []
            for try await (id, recipient, state, at, note, by, recorded) in try await client.query(
                "SELECT id, recipient, state, at, note, recorded_by, recorded_at FROM subprocessor_records ORDER BY id", logger: logger)
                .decode((Int64, String, String, Int64, String?, String, Int64).self) {
                BlockingBridge.beat()
                guard let state = AuthorisationState(rawValue: state) else { continue }
                records.append(StoredSubProcessorRecord(id: id, record: SubProcessorRecord(recipient: recipient, state: state, at: Instant(millisecondsSinceEpoch: at)),
                                                        note: note, recordedBy: by, recordedAt: Instant(millisecondsSinceEpoch: recorded)))
            }
            return records
        }
    }
}
