public import CustosDecision
public import CustosPolicy
import CustosStore

/// The officer's decisions that change how the evaluator decides: legal holds (Art. 17(3)(e)),
/// objections and their Art. 21(1) assessment, restrictions (Art. 18) lifted only after the
/// subject is told.
extension PrivacyEngine {
    public func placeHold(subject: String, reference: String, since: LocalDate? = nil, fields: [String]? = nil,
                          purposes: [String]? = nil, by actor: String) throws -> Int64 {
        try store.vault.placeHold(subject: subject, reference: reference, since: since ?? policy.localDate(of: clock()),
                                  fields: fields, purposes: purposes, by: actor)
    }

    public func liftHold(id: Int64, until: LocalDate? = nil, by actor: String) throws {
        try store.vault.liftHold(id: id, until: until ?? policy.localDate(of: clock()), by: actor)
    }

    /// Records an objection. A direct-marketing objection stops that processing at once; a
    /// general one stops the objected purpose until an assessment is recorded.
    public func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant? = nil) throws -> Int64 {
        let now = clock()
        return try store.vault.recordObjection(subject: subject, purpose: purpose, kind: kind, effective: min(effective ?? now, now), at: now)
    }

    public func assessObjection(id: Int64, assessment: ObjectionAssessment, reference: String?) throws {
        try store.vault.assessObjection(id: id, assessment: assessment, reference: reference)
    }

    public func placeRestriction(subject: String, fields: [String]?, ground: String) throws -> Int64 {
        try store.vault.placeRestriction(subject: subject, fields: fields, ground: ground, since: clock())
    }

    public func liftRestriction(id: Int64, subjectInformedAt informed: Instant) throws {
        try store.vault.liftRestriction(id: id, subjectInformedAt: informed, at: clock())
    }
}
