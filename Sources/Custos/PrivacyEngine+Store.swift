import Foundation
public import CustosPolicy
public import CustosDecision
public import CustosStore

/// What a gated store did: the logged `store` decision and the fields it wrote.
public struct StoreResult: Sendable {
    public var decision: Decision
    /// The log sequence number; nil when nothing could be logged (then nothing was stored).
    public var logSequence: Int64?
    /// Fields written, in order; the others were refused by the decision.
    public var stored: [String]
    /// Among `stored`, the fields that replaced a value.
    public var replaced: [String]
}

extension PrivacyEngine {
    /// Stores or updates fields of an existing subject for a purpose: the `store` action is
    /// decided on the vault's facts, logged, and the permitted values sealed, all in one write
    /// transaction, so a value is never written without its logged decision and a decision
    /// that could not be logged writes nothing. Values are recorded as collected `collectedAt`
    /// (default now, never later than now) for the purpose, with `source` as provenance.
    ///
    /// ```swift
    /// let result = try engine.store(subject: "D-1001", values: ["email": "a@example.nl"], purpose: "P-DEBT-COLLECT",
    ///                               source: "creditor:ACME", actor: "collections-service")
    /// print(result.decision.outcome, result.stored)
    /// ```
    public func store(subject: String, values: [String: String], purpose: String, source: String, collectedAt: Instant? = nil,
                      actor: String) throws -> StoreResult {
        let now = clock()
        if let collectedAt, collectedAt > now { throw StoreError.invalidInput("collected-at is later than now") }
        let request = DecisionRequest(actor: actor, action: .store, subject: subject, purpose: purpose, fields: values.keys.sorted())
            .withControlCharactersEscaped
        do {
            return try store.inWriteTransaction { transaction -> StoreResult in
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
            throw error
        } catch {
            return StoreResult(decision: .failure(request, code: .engineError, explanation: "the decision could not be logged", digest: policy.digest),
                               logSequence: nil, stored: [], replaced: [])
        }
    }

    /// Adds a subject through the `store` decision: the subject's category and the values are
    /// decided for the purpose as the facts of the new subject, the decision is logged, and only
    /// the permitted values are stored (none and no subject when it is denied). The decision is
    /// durable before the subject is added (the keys' own two-step commit cannot share its
    /// transaction), so an interruption between the two leaves a logged decision whose store
    /// did not happen, never a stored subject without its decision.
    ///
    /// ```swift
    /// let result = try engine.createSubject(NewSubject(id: "D-2001", category: "debtor", values: ["email": "b@example.nl"],
    ///                                                  source: "creditor:ACME"), purpose: "P-DEBT-COLLECT", actor: "collections-service")
    /// ```
    public func createSubject(_ subject: NewSubject, purpose: String, actor: String) throws -> StoreResult {
        if let problem = SubjectId.problem(subject.id) { throw StoreError.invalidInput(problem) }
        guard try store.vault.existingSubjects([subject.id]).isEmpty else { throw StoreError.subjectExists(subject.id) }
        let now = clock()
        if let latest = subject.collectedAt.values.max(), latest > now { throw StoreError.invalidInput("collected-at is later than now") }
        let request = DecisionRequest(actor: actor, action: .store, subject: subject.id, purpose: purpose, fields: subject.values.keys.sorted())
        let facts = Facts(subject: SubjectFacts(id: subject.id, categories: [subject.category] + subject.otherCategories, kind: subject.kind, consumer: subject.consumer,
                                                contractParty: subject.contractParty), events: subject.events)
        let decision = try decideOnVault(request, facts: facts, at: now)
        guard let seq = try? store.log.append(decision, at: now) else {
            return StoreResult(decision: .failure(request, code: .engineError, explanation: "the decision could not be logged", digest: policy.digest),
                               logSequence: nil, stored: [], replaced: [])
        }
        guard decision.outcome != .deny else { return StoreResult(decision: decision, logSequence: seq, stored: [], replaced: []) }
        var permitted = subject
        permitted.values = subject.values.filter { decision.permittedFields.contains($0.key) }
        permitted.collectedFor = [purpose]
        try addSubject(permitted, by: actor)
        return StoreResult(decision: decision, logSequence: seq, stored: permitted.values.keys.sorted(), replaced: [])
    }
}
