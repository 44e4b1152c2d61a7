public import CustosPolicy

/// The pure decision function of gdpr.md §15: `(request, facts, policy, at) -> Decision`.
/// No I/O, no clock, no randomness; every failure is a deny with a code.
///
/// ```swift
/// let evaluator = Evaluator(policy: compiled)
/// let decision = evaluator.decide(request, facts: facts, at: Instant(iso8601: "2025-06-02T09:00:00+02:00")!)
/// if decision.outcome != .deny { use(decision.permittedFields) }
/// ```
public struct Evaluator: Sendable {
    public let policy: CompiledPolicy

    public init(policy: CompiledPolicy) {
        self.policy = policy
    }

    /// Decides a request. `hypothetical` marks decisions on supplied facts, which are
    /// never logged.
    public func decide(_ request: DecisionRequest, facts: Facts, at: Instant, hypothetical: Bool = false) -> Decision {
        var evaluation = Evaluation(policy: policy, request: request, facts: facts, at: at)
        evaluation.run()
        return evaluation.decision(hypothetical: hypothetical)
    }
}

/// The working state of one decision, filled step by step in pipeline order.
struct Evaluation {
    let policy: CompiledPolicy
    let request: DecisionRequest
    let facts: Facts
    let at: Instant
    /// The request date in the controller's time zone.
    let date: LocalDate
    /// Requested field names without repeats, in request order, and their interned ids.
    let fieldNames: [String]
    let fieldIds: [Int?]
    let purposeId: Int?
    let subjectId: Int?

    var reasons: [Reason] = []
    var fieldBlocks: [[ReasonCode]]
    var obligations: [Obligation] = []
    var basis: LegalBasis?

    init(policy: CompiledPolicy, request: DecisionRequest, facts: Facts, at: Instant) {
        self.policy = policy
        self.request = request
        self.facts = facts
        self.at = at
        date = policy.localDate(of: at)
        // A handful of fields: a linear scan beats hashing.
        var names: [String] = []
        names.reserveCapacity(request.fields.count)
        for field in request.fields where !names.contains(field) { names.append(field) }
        fieldNames = names
        fieldIds = names.map { policy.fields.id($0) }
        fieldBlocks = Array(repeating: [], count: names.count)
        let purposeId = policy.purposes.id(request.purpose)
        self.purposeId = purposeId
        purpose = purposeId.map { policy.purpose($0) }
        subjectId = facts.subject.flatMap { policy.subjects.id($0.category) }
    }

    /// Copied once per decision; every step reads it.
    let purpose: Purpose?
    var compiledPurpose: CompiledPurpose? { purposeId.map { policy.compiledPurposes[$0] } }
    /// The purpose's retention rule, by its interned index.
    var retentionRule: RetentionRule? { compiledPurpose?.retentionRule.map { policy.policy.retentionRules[$0] } }

    mutating func run() {
        resolve()                       // 1
        if request.action != .erase { prohibitedData() }  // 2: erasing unlawful data is always allowed
        guard let purposeId, let subjectId else { return }
        purposeAndFields(purposeId: purposeId, subjectId: subjectId)  // 3
        if request.action == .erase {
            erasureGrounds()            // 5 for erase: what must be kept
            return
        }
        legalBasis(subjectId: subjectId)  // 4
        retention()                     // 5
        restriction()                   // 6
        if request.action == .decide { automatedDecision() }  // 7
        if request.action == .share { recipientAndTransfer() }  // 8, 9
    }

    // MARK: recording reasons

    /// Records a reason for the whole request; a blocking one denies every field.
    mutating func blockAll(_ code: ReasonCode, _ explanation: String) {
        record(code, explanation, field: nil)
        if code.isBlocking {
            for index in fieldBlocks.indices where !fieldBlocks[index].contains(code) { fieldBlocks[index].append(code) }
        }
    }

    /// Records a reason for one requested field; a blocking one denies that field.
    mutating func block(field index: Int, _ code: ReasonCode, _ explanation: String) {
        record(code, explanation, field: index)
        if code.isBlocking, !fieldBlocks[index].contains(code) { fieldBlocks[index].append(code) }
    }

    mutating func inform(_ code: ReasonCode, _ explanation: String, field index: Int? = nil) {
        record(code, explanation, field: index)
    }

    private mutating func record(_ code: ReasonCode, _ explanation: String, field index: Int?) {
        if let existing = reasons.firstIndex(where: { $0.code == code }) {
            guard let index else {
                reasons[existing].fields = []  // now about the whole request
                return
            }
            if !reasons[existing].fields.isEmpty, !reasons[existing].fields.contains(fieldNames[index]) {
                reasons[existing].fields.append(fieldNames[index])
            }
            return
        }
        reasons.append(Reason(code: code, explanation: explanation, fields: index.map { [fieldNames[$0]] } ?? []))
    }

    func isBlocked(_ index: Int) -> Bool { !fieldBlocks[index].isEmpty }

    // MARK: the outcome

    func decision(hypothetical: Bool) -> Decision {
        var reasons = reasons
        let outcomes = fieldNames.indices.map { index in
            FieldOutcome(field: fieldNames[index], outcome: fieldBlocks[index].isEmpty ? .permit : .deny, reasons: fieldBlocks[index])
        }
        let permitted = outcomes.filter { $0.outcome == .permit }
        let outcome: Outcome
        if permitted.isEmpty {
            outcome = .deny
            // Default deny: a deny always says why, even if no step named a code.
            if !reasons.contains(where: { $0.code.isBlocking }) {
                reasons.append(Reason(code: .engineError, explanation: "no step permitted the request; denied by default"))
            }
        } else if permitted.count == outcomes.count {
            outcome = .permit
        } else {
            outcome = .partial
            let filtered = outcomes.filter { $0.outcome == .deny }.map(\.field)
            reasons.append(Reason(code: .minimisationFieldsFiltered,
                                  explanation: "\(filtered.count) of \(outcomes.count) requested fields are withheld; only the others are released",
                                  fields: filtered))
        }
        return Decision(
            outcome: outcome, action: request.action, subject: request.subject, purpose: request.purpose,
            actor: request.actor, recipient: request.action == .share ? request.recipient : nil, fields: outcomes,
            basis: basis, reasons: reasons, obligations: outcome == .deny ? [] : obligations,
            policyDigest: policy.digest, hypothetical: hypothetical)
    }

    mutating func oblige(_ obligation: Obligation) {
        if !obligations.contains(obligation) { obligations.append(obligation) }
    }
}
