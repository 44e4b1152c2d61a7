import Foundation
package import CustosPolicy
import CustosDecision
import CustosStore

/// The gated store (the `store` action): values reach the vault only under a logged decision
/// that permits them, over either backend.
extension GatedAccess {
    /// Stores or updates fields of an existing subject for a purpose: the `store` action is
    /// decided on the vault's facts, logged, and the permitted values sealed, all in one write
    /// transaction, so a value is never written without its logged decision and a decision
    /// that could not be logged writes nothing. Values are recorded as collected `collectedAt`
    /// (default now, never later than now) for the purpose, with `source` as provenance.
    package func store(subject: String, values: [String: String], purpose: String, source: String, collectedAt: Instant?,
                       actor: String) throws -> StoreResult {
        let now = clock()
        if let collectedAt, collectedAt > now { throw StoreError.invalidInput("collected-at is later than now") }
        let request = DecisionRequest(actor: actor, action: .store, subject: subject, purpose: purpose, fields: values.keys.sorted())
            .withControlCharactersEscaped
        do {
            return try store.inGateTransaction { transaction -> StoreResult in
                let decision: Decision
                do {
                    decision = try decideOnVault(request, facts: try transaction.facts(of: request.subject), at: now)
                } catch {
                    decision = .failure(request, code: .engineError, explanation: "the facts could not be loaded", digest: policy.digest)
                }
                let seq = try transaction.append(decision, at: now)
                guard decision.outcome != .deny else { return StoreResult(decision: decision, logSequence: seq, stored: [], replaced: []) }
                let permitted = values.filter { decision.permittedFields.contains($0.key) }
                let replaced = try transaction.storeFields(permitted, of: subject, source: source, collectedFor: [purpose],
                                                           collectedAt: collectedAt ?? now, now: now)
                return StoreResult(decision: decision, logSequence: seq, stored: permitted.keys.sorted(), replaced: replaced)
            }
        } catch let error as StoreError {
            // Refused input, or a store that is unavailable (a 503): nothing was written.
            throw error
        } catch {
            return StoreResult(decision: .failure(request, code: .engineError, explanation: "the decision could not be logged", digest: policy.digest),
                               logSequence: nil, stored: [], replaced: [])
        }
    }

    /// Adds a subject through the `store` decision: the subject's category and the values are
    /// decided for the purpose as the facts of the new subject, the decision is logged, and only
    /// the permitted values are added by `add` (none and no subject when it is denied). The
    /// decision is durable before the subject is added (the keys' own two-step commit cannot
    /// share its transaction), so an interruption between the two leaves a logged decision
    /// whose store did not happen, never a stored subject without its decision.
    package func createSubject(_ subject: NewSubject, purpose: String, actor: String, add: (NewSubject) throws -> Void) throws -> StoreResult {
        if let problem = SubjectId.problem(subject.id) { throw StoreError.invalidInput(problem) }
        guard try store.factsAndCiphertexts(of: subject.id, fields: []).facts == nil else { throw StoreError.subjectExists(subject.id) }
        let now = clock()
        if let latest = subject.collectedAt.values.max(), latest > now { throw StoreError.invalidInput("collected-at is later than now") }
        let request = DecisionRequest(actor: actor, action: .store, subject: subject.id, purpose: purpose, fields: subject.values.keys.sorted())
        let facts = Facts(subject: SubjectFacts(id: subject.id, categories: [subject.category] + subject.otherCategories, kind: subject.kind,
                                                consumer: subject.consumer, contractParty: subject.contractParty), events: subject.events)
        let decision = try decideOnVault(request, facts: facts, at: now)
        let seq: Int64
        do {
            seq = try store.append(decision, at: now)
        } catch let error as StoreError {
            if StoreError.isUnavailable(error) { throw error }
            return StoreResult(decision: .failure(request, code: .engineError, explanation: "the decision could not be logged", digest: policy.digest),
                               logSequence: nil, stored: [], replaced: [])
        } catch {
            return StoreResult(decision: .failure(request, code: .engineError, explanation: "the decision could not be logged", digest: policy.digest),
                               logSequence: nil, stored: [], replaced: [])
        }
        guard decision.outcome != .deny else { return StoreResult(decision: decision, logSequence: seq, stored: [], replaced: []) }
        var permitted = subject
        permitted.values = subject.values.filter { decision.permittedFields.contains($0.key) }
        permitted.collectedFor = [purpose]
        try add(permitted)
        return StoreResult(decision: decision, logSequence: seq, stored: permitted.values.keys.sorted(), replaced: [])
    }
}
