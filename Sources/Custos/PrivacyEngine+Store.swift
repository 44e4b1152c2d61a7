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
        try gatedAccess.store(subject: subject, values: values, purpose: purpose, source: source, collectedAt: collectedAt, actor: actor)
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
        try gatedAccess.createSubject(subject, purpose: purpose, actor: actor) { permitted in try addSubject(permitted, by: actor) }
    }
}
