package import CustosPolicy

/// The pure decision function of gdpr.md §15: `(request, facts, policy, at) -> Decision`.
/// No I/O, no clock, no randomness; every failure is a deny with a code.
///
/// ```swift
/// let evaluator = Evaluator(policy: compiled)
/// let decision = evaluator.decide(request, facts: facts, at: Instant(iso8601: "2025-06-02T09:00:00+02:00")!)
/// if decision.outcome != .deny { use(decision.permittedFields) }
/// ```
package struct Evaluator: Sendable {
    package let policy: CompiledPolicy
    /// The policy's digest, in a string of this evaluator's own: every decision carries it,
    /// and evaluators on different threads would otherwise contend for one string's count.
    let digest: String

    package init(policy: CompiledPolicy) {
        self.policy = policy
        digest = String(decoding: Array(policy.digest.utf8), as: UTF8.self)
    }

    /// Decides a request. `hypothetical` marks decisions on supplied facts, which are
    /// never logged.
    package func decide(_ request: DecisionRequest, facts: Facts, at: Instant, hypothetical: Bool = false) -> Decision {
        withUnsafePointer(to: request) { request in
            withUnsafePointer(to: facts) { facts in
                var evaluation = Evaluation(policy: policy, digest: digest, request: request, facts: facts, at: at)
                evaluation.run()
                return evaluation.decision(hypothetical: hypothetical)
            }
        }
    }

    /// Decides a request into `decision`, replacing all of it but keeping its lists' storage:
    /// a caller that decides one request after another (a batch) allocates no list per decision.
    package func decide(_ request: DecisionRequest, facts: Facts, at: Instant, hypothetical: Bool = false, into decision: inout Decision) {
        // The evaluation reads request and facts in place: copying them into it retained
        // every string and array they hold, twice per decision.
        withUnsafePointer(to: request) { request in
            withUnsafePointer(to: facts) { facts in
                var evaluation = Evaluation(policy: policy, digest: digest, request: request, facts: facts, at: at)
                // The reasons are recorded into the decision's own list, emptied.
                swap(&evaluation.reasons, &decision.reasons)
                evaluation.reasons.empty()
                evaluation.run()
                evaluation.fill(&decision, hypothetical: hypothetical)
            }
        }
    }
}

/// The working state of one decision, filled step by step in pipeline order. It lives only
/// inside `Evaluator.decide`, which keeps the request and facts it points at alive.
struct Evaluation: ~Copyable {
    /// Not counted: the evaluator that makes an evaluation holds the policy for all of its
    /// short life, and counting a policy shared by threads deciding at once is contended.
    unowned(unsafe) let policy: CompiledPolicy
    let digest: String
    private let requestPointer: UnsafePointer<DecisionRequest>
    private let factsPointer: UnsafePointer<Facts>
    var request: DecisionRequest { unsafeAddress { requestPointer } }
    var facts: Facts { unsafeAddress { factsPointer } }
    let at: Instant
    /// The request date in the controller's time zone.
    let date: LocalDate
    /// Requested field names without repeats, in request order, and their interned ids.
    let fieldNames: [String]
    let fieldIds: FieldIds
    /// Per requested field, where `facts.fields` keeps its provenance.
    let storedPositions: StoredFieldPositions
    let purposeId: Int?
    let subjectId: Int?
    /// The actor's interned id, nil when the policy does not declare it; looked up once, as
    /// two steps ask (the unknown ids, the purpose's actors).
    let actorId: Int?
    /// A share's recipient, interned once for the three steps that ask; nil for other actions
    /// and for a recipient the policy does not declare.
    let recipientId: Int?

    var reasons: [Reason] = []
    /// Per requested field, the codes that block it; empty until something blocks.
    private var fieldBlocks: [[ReasonCode]] = []
    var obligations: [Obligation] = []
    var basis: LegalBasis?
    /// The consent step found a valid consent given by an express statement (Art. 22(2)(c)).
    var explicitConsent = false

    init(policy: CompiledPolicy, digest: String, request: UnsafePointer<DecisionRequest>, facts: UnsafePointer<Facts>, at: Instant) {
        self.policy = policy
        self.digest = digest
        requestPointer = request
        factsPointer = facts
        self.at = at
        date = policy.localDate(of: at)
        // A handful of fields: a linear scan beats hashing; past that, a set keeps it linear.
        // A request over the limit is cut to nothing here and denied by `resolve`.
        let requested = request.pointee.fields.count <= DecisionRequest.maximumFields ? request.pointee.fields : []
        fieldNames = Self.withoutRepeats(requested)
        fieldIds = FieldIds(fieldNames, in: policy.fields)
        storedPositions = StoredFieldPositions(fieldNames, in: facts.pointee.fields)
        let purposeId = policy.purposes.id(request.pointee.purpose)
        self.purposeId = purposeId
        actorId = policy.actors.id(request.pointee.actor)
        recipientId = request.pointee.action == .share ? request.pointee.recipient.flatMap { policy.recipients.id($0) } : nil
        let rules = purposeId.map { policy.compiledPurposes[$0] }
        self.rules = rules
        // Only the categories are read: binding the whole subject (or the purpose) copied it,
        // retaining and releasing every string it holds, on every decision.
        if let categories = facts.pointee.subject?.categories {
            subjectId = Self.category(of: categories, for: rules, in: policy)
        } else {
            subjectId = nil
        }
    }

    /// The category the purpose is judged under: of the subject's categories the one the
    /// purpose lists first, so that a debtor who also subscribes to the newsletter gets the
    /// newsletter's basis for the newsletter; the first category when the purpose covers none
    /// (step 3 then denies); nil when any category is not declared (`SUBJECT_UNKNOWN`).
    static func category(of categories: [String], for rules: CompiledPurpose?, in policy: CompiledPolicy) -> Int? {
        if categories.count == 1 { return policy.subjects.id(categories[0]) }
        var ids: [Int] = []
        for category in categories {
            guard let id = policy.subjects.id(category) else { return nil }
            ids.append(id)
        }
        guard let first = ids.first else { return nil }
        guard let rules, let covered = rules.purpose.coveredCategory(of: categories) else { return first }
        return policy.subjects.id(covered)
    }

    /// The fields in request order, each once. Without repeats (nearly always) the request's
    /// own array is shared, not copied.
    static func withoutRepeats(_ requested: [String]) -> [String] {
        if requested.count <= 16 {
            let repeats = requested.indices.contains { index in requested[..<index].contains(requested[index]) }
            return repeats ? requested.reduce(into: []) { names, field in if !names.contains(field) { names.append(field) } } : requested
        }
        var seen = Set<String>(minimumCapacity: requested.count)
        let unique = requested.filter { seen.insert($0).inserted }
        return unique.count == requested.count ? requested : unique
    }

    /// The requested purpose, compiled; held by reference, so every step reads it for free.
    /// Not counted, like `policy`, which holds it: threads deciding at once share it.
    unowned(unsafe) let rules: CompiledPurpose?

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
        informationDuty()               // Art. 14(3)(b), (c)
    }

    // MARK: recording reasons

    /// Records a reason for the whole request; a blocking one denies every field.
    mutating func blockAll(_ code: ReasonCode, _ explanation: consuming Explanation) {
        record(code, explanation, field: nil)
        if code.isBlocking {
            prepareFieldBlocks()
            for index in fieldBlocks.indices where !fieldBlocks[index].contains(code) { fieldBlocks[index].append(code) }
        }
    }

    /// Records a reason for one requested field; a blocking one denies that field.
    mutating func block(field index: Int, _ code: ReasonCode, _ explanation: consuming Explanation) {
        record(code, explanation, field: index)
        guard code.isBlocking else { return }
        prepareFieldBlocks()
        if !fieldBlocks[index].contains(code) { fieldBlocks[index].append(code) }
    }

    mutating func inform(_ code: ReasonCode, _ explanation: consuming Explanation, field index: Int? = nil) {
        record(code, explanation, field: index)
    }

    /// Most decisions block nothing: the per-field lists are made on the first block.
    private mutating func prepareFieldBlocks() {
        // Appended one by one: `Array(repeating:count:)` looked up the metadata of an array of
        // arrays in the runtime's table on every call, 330 instructions of its 620.
        guard fieldBlocks.isEmpty, !fieldNames.isEmpty else { return }
        fieldBlocks.reserveCapacity(fieldNames.count)
        for _ in fieldNames { fieldBlocks.append([]) }
    }

    private mutating func record(_ code: ReasonCode, _ explanation: consuming Explanation, field index: Int?) {
        if let existing = reasonIndex(of: code) {
            guard let index else {
                reasons[existing].fields = []  // now about the whole request
                return
            }
            if !reasons[existing].fields.isEmpty, !reasons[existing].fields.contains(fieldNames[index]) {
                reasons[existing].fields.append(fieldNames[index])
            }
            return
        }
        if reasons.capacity == 0 { reasons.reserveCapacity(4) }
        reasons.append(Reason(code: code, message: explanation, fields: index.map { [fieldNames[$0]] } ?? []))
    }

    /// The recorded reason with `code`, by index: `firstIndex(where:)` copied every reason it
    /// passed out of the list (its explanation's texts retained and released).
    private func reasonIndex(of code: ReasonCode) -> Int? {
        for index in reasons.indices where reasons[index].code == code { return index }
        return nil
    }

    func isBlocked(_ index: Int) -> Bool { !fieldBlocks.isEmpty && !fieldBlocks[index].isEmpty }

    /// The blocking codes of a requested field, in pipeline order.
    func blocks(of index: Int) -> [ReasonCode] { fieldBlocks.isEmpty ? [] : fieldBlocks[index] }

    // MARK: the outcome

    /// Writes the decision into `decision`, whose list of field outcomes keeps its storage;
    /// moves the reasons into it, so call it once, last.
    mutating func fill(_ decision: inout Decision, hypothetical: Bool) {
        swap(&decision.reasons, &reasons)
        var permitted = 0
        // The previous decision's outcomes are overwritten where there are as many (a batch's
        // lines mostly ask for as many fields), and remade otherwise.
        if decision.fields.count != fieldNames.count {
            decision.fields.empty()
            decision.fields.reserveCapacity(fieldNames.count)
            for name in fieldNames { decision.fields.append(FieldOutcome(field: name, outcome: .permit, reasons: [])) }
        }
        for index in fieldNames.indices {
            let blocks = blocks(of: index)
            if blocks.isEmpty { permitted += 1 }
            decision.fields[index].field = fieldNames[index]
            decision.fields[index].outcome = blocks.isEmpty ? .permit : .deny
            decision.fields[index].reasons = blocks
        }
        let outcome = Self.outcome(permitted: permitted, of: decision.fields, reasons: &decision.reasons)
        decision.outcome = outcome
        decision.action = request.action
        decision.subject = request.subject
        decision.purpose = request.purpose
        decision.actor = request.actor
        decision.recipient = request.action == .share ? request.recipient : nil
        decision.basis = basis
        decision.obligations = outcome != .deny ? obligations : []
        decision.policyDigest = digest
        decision.hypothetical = hypothetical
    }

    /// The decision as a new value, for a caller with no decision to decide into: a blank
    /// decision made and then filled cost about 250 of a decision's 9,550 instructions (its
    /// empty lists and strings made, copied and overwritten). The same content as `fill`.
    @inline(__always)
    consuming func decision(hypothetical: Bool) -> Decision {
        var fields: [FieldOutcome] = []
        fields.reserveCapacity(fieldNames.count)
        var permitted = 0
        for index in fieldNames.indices {
            let blocks = blocks(of: index)
            if blocks.isEmpty { permitted += 1 }
            fields.append(FieldOutcome(field: fieldNames[index], outcome: blocks.isEmpty ? .permit : .deny, reasons: blocks))
        }
        var reasons = reasons
        let outcome = Self.outcome(permitted: permitted, of: fields, reasons: &reasons)
        return Decision(outcome: outcome, action: request.action, subject: request.subject, purpose: request.purpose, actor: request.actor,
                        recipient: request.action == .share ? request.recipient : nil, fields: fields, basis: basis, reasons: reasons,
                        obligations: outcome != .deny ? obligations : [], policyDigest: digest, hypothetical: hypothetical)
    }

    /// The outcome of `permitted` of the `fields` permitted, and the reason it adds: a deny
    /// always says why, even if no step named a code; a partial names the fields withheld.
    private static func outcome(permitted: Int, of fields: [FieldOutcome], reasons: inout [Reason]) -> Outcome {
        if permitted == 0 {
            if !reasons.contains(where: { $0.code.isBlocking }) {
                reasons.append(Reason(code: .engineError, message: "no step permitted the request; denied by default"))
            }
            return .deny
        }
        if permitted == fields.count { return .permit }
        let filtered = fields.filter { $0.outcome == .deny }.map(\.field)
        reasons.append(Reason(code: .minimisationFieldsFiltered,
                              message: "\(filtered.count) of \(fields.count) requested fields are withheld; only the others are released",
                              fields: filtered))
        return .partial
    }

    mutating func oblige(_ obligation: Obligation) {
        if obligations.isEmpty {
            obligations = Self.alone[obligation.index]
        } else if !obligations.contains(obligation) {
            obligations.append(obligation)
        }
    }

    /// One-obligation lists, shared: a decision that carries a single obligation (most shares)
    /// then takes a reference instead of allocating its own list.
    private static let alone: [[Obligation]] = Obligation.allCases.map { [$0] }
}
