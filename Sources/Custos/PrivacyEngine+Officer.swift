package import CustosDecision
package import CustosPolicy
import CustosStore

/// The officer's records on this vault; the rules are `OfficerDesk`'s.
extension PrivacyEngine {
    package var officerDesk: OfficerDesk { OfficerDesk(policy: policy, clock: clock, store: store) }

    package func placeHold(subject: String, reference: String, since: LocalDate? = nil, fields: [String]? = nil,
                          purposes: [String]? = nil, by actor: String) throws -> Int64 {
        try officerDesk.placeHold(subject: subject, reference: reference, since: since, fields: fields, purposes: purposes, by: actor)
    }

    package func liftHold(id: Int64, until: LocalDate? = nil, by actor: String) throws { try officerDesk.liftHold(id: id, until: until, by: actor) }

    /// Records an objection. A direct-marketing objection stops that processing at once; a
    /// general one stops the objected purpose until an assessment is recorded.
    package func recordObjection(subject: String, purpose: String?, kind: ObjectionKind, effective: Instant? = nil) throws -> Int64 {
        try requestDesk.recordObjection(subject: subject, purpose: purpose, kind: kind, effective: effective)
    }

    package func assessObjection(id: Int64, assessment: ObjectionAssessment, reference: String?, by actor: String) throws {
        try officerDesk.assessObjection(id: id, assessment: assessment, reference: reference, by: actor)
    }

    package func placeRestriction(subject: String, fields: [String]?, ground: String) throws -> Int64 {
        try officerDesk.placeRestriction(subject: subject, fields: fields, ground: ground)
    }

    package func liftRestriction(id: Int64, subjectInformedAt informed: Instant) throws {
        try officerDesk.liftRestriction(id: id, subjectInformedAt: informed)
    }

    @discardableResult
    package func recordSubProcessor(_ recipient: String, state: AuthorisationState, effective: Instant? = nil, note: String? = nil, by actor: String) throws -> Int64 {
        try officerDesk.recordSubProcessor(recipient, state: state, effective: effective, note: note, by: actor)
    }

    package func subProcessors(at instant: Instant? = nil) throws -> [SubProcessorStatus] { try officerDesk.subProcessors(at: instant) }
}
