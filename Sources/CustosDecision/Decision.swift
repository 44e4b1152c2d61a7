public import CustosPolicy

/// The answer to a `DecisionRequest`. It carries no id, time or randomness: the same
/// request, facts, policy and instant give the same decision, byte for byte.
public struct Decision: Sendable, Hashable, Codable {
    public var outcome: Outcome
    public var action: Action
    public var subject: String
    public var purpose: String
    public var actor: String
    public var recipient: String?
    /// Per requested field, in request order.
    public var fields: [FieldOutcome]
    /// The legal basis the purpose rests on for this subject, when known.
    public var basis: LegalBasis?
    /// Every triggered reason, in pipeline order (gdpr.md §15).
    public var reasons: [Reason]
    public var obligations: [Obligation]
    public var policyDigest: String
    /// True for decisions on supplied facts (policy tests, `decide --facts`): never logged.
    public var hypothetical: Bool

    public var permittedFields: [String] { fieldNames(.permit) }
    public var deniedFields: [String] { fieldNames(.deny) }
    public var codes: [ReasonCode] { reasons.map(\.code) }

    /// One pass and one array: a `filter` then `map` grew a copy of the outcomes five times
    /// for ten fields, and every gated read asks.
    private func fieldNames(_ verdict: FieldOutcome.Verdict) -> [String] {
        var names: [String] = []
        names.reserveCapacity(fields.count)
        for field in fields where field.outcome == verdict { names.append(field.field) }
        return names
    }

    enum CodingKeys: String, CodingKey {
        case outcome, action, subject, purpose, actor, recipient, fields, basis, reasons, obligations
        case policyDigest = "policy-digest", hypothetical
    }
}

public enum Outcome: String, Sendable, Hashable, Codable {
    case permit, partial, deny
}

public struct FieldOutcome: Sendable, Hashable, Codable {
    public enum Verdict: String, Sendable, Hashable, Codable { case permit, deny }

    public var field: String
    public var outcome: Verdict
    /// The blocking codes that deny the field, in pipeline order.
    public var reasons: [ReasonCode]

    package init(field: String, outcome: Verdict, reasons: [ReasonCode]) {
        self.field = field
        self.outcome = outcome
        self.reasons = reasons
    }
}

extension Decision {
    /// A decision from its parts, for the other modules (the evaluator uses the memberwise
    /// initialiser this module keeps).
    ///
    /// It lives in an extension, and is generic in its fields only to differ from the
    /// memberwise initialiser, so that this module keeps that one: built by an initialiser with
    /// a body, a decision was assembled on the stack, copied whole and the original destroyed,
    /// about 470 of a decision's 9,000 instructions (Swift 6.3; the optional `recipient` kept
    /// the optimiser from building it in place; BENCHMARKS.md, "The in-memory decision on the
    /// Xeon").
    ///
    /// ```swift
    /// let decision = Decision(outcome: .deny, action: .read, subject: "D-1", purpose: "P-X", actor: "svc", recipient: nil,
    ///                         fields: [], basis: nil, reasons: [], obligations: [], policyDigest: digest, hypothetical: true)
    /// ```
    package init(
        outcome: Outcome, action: Action, subject: String, purpose: String, actor: String, recipient: String?,
        fields: some Sequence<FieldOutcome>, basis: LegalBasis?, reasons: [Reason], obligations: [Obligation],
        policyDigest: String, hypothetical: Bool
    ) {
        self.init(outcome: outcome, action: action, subject: subject, purpose: purpose, actor: actor, recipient: recipient,
                  fields: Array(fields), basis: basis, reasons: reasons, obligations: obligations, policyDigest: policyDigest,
                  hypothetical: hypothetical)
    }

    /// An empty deny to decide into: `Evaluator.decide(_:facts:at:hypothetical:into:)`
    /// overwrites every part of it.
    package static func blank(_ action: Action, hypothetical: Bool) -> Decision {
        Decision(outcome: .deny, action: action, subject: "", purpose: "", actor: "", recipient: nil, fields: [],
                 basis: nil, reasons: [], obligations: [], policyDigest: "", hypothetical: hypothetical)
    }
}

public struct Reason: Sendable, Hashable, Codable {
    public var code: ReasonCode
    /// The provision the code rests on.
    public var article: String { code.article }
    /// One line for a human; names ids and dates, never personal data values. Joined from
    /// its pieces when read (see `Explanation`).
    public var explanation: String {
        get { message.description }
        set { message = Explanation(newValue) }
    }
    /// The explanation as pieces, for writers that copy them without joining them first.
    public var message: Explanation
    /// The fields the reason applies to; empty when it applies to the whole request.
    public var fields: [String]

    /// `Explanation.forEachUTF8Piece(of:)` for the reason at `reason`, read where it lies.
    package static func forEachExplanationPiece(of reason: UnsafePointer<Reason>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        Explanation.forEachUTF8Piece(of: (UnsafeRawPointer(reason) + messageOffset).assumingMemoryBound(to: Explanation.self), body)
    }

    /// The same, with the explanation's literal pieces apart (`Explanation.forEachUTF8Piece(of:literal:text:)`).
    package static func forEachExplanationPiece(of reason: UnsafePointer<Reason>, literal: (UnsafeBufferPointer<UInt8>) -> Void,
                                                text: (UnsafeBufferPointer<UInt8>) -> Void) {
        Explanation.forEachUTF8Piece(of: (UnsafeRawPointer(reason) + messageOffset).assumingMemoryBound(to: Explanation.self), literal: literal, text: text)
    }

    /// A stored property's offset: `offset(of:)` is never nil for it.
    private static let messageOffset = MemoryLayout<Reason>.offset(of: \Reason.message)!

    package init(code: ReasonCode, explanation: String, fields: [String] = []) {
        self.init(code: code, message: Explanation(explanation), fields: fields)
    }

    package init(code: ReasonCode, message: Explanation, fields: [String] = []) {
        self.code = code
        self.message = message
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case code, article, message = "explanation", fields
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(code: try c.decode(ReasonCode.self, forKey: .code), message: try c.decode(Explanation.self, forKey: .message),
                  fields: try c.decodeIfPresent([String].self, forKey: .fields) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(code, forKey: .code)
        try c.encode(article, forKey: .article)
        try c.encode(message, forKey: .message)
        try c.encode(fields, forKey: .fields)
    }
}

/// What the caller must do when it acts on a permit.
public enum Obligation: String, Sendable, Hashable, Codable, CaseIterable {
    /// Record the disclosure (recipient, fields, mechanism) in the disclosure ledger.
    case recordDisclosure = "record-disclosure"
    /// Record the Chapter V mechanism of a transfer outside the EEA (Art. 30(1)(e), 49(6)).
    case recordTransfer = "record-transfer"
    /// Have a human with the power to change it review the automated decision (Art. 22(3)).
    case humanReview = "human-review"
    /// Tell every recipient of the erased fields (Art. 19).
    case notifyRecipients = "notify-recipients"
    /// Give the subject the Art. 14 information, with the source of the data, no later than
    /// this communication or disclosure (Art. 14(3)(b), (c)).
    case informSubjectFirst = "inform-subject-first"

    /// The position in `allCases`.
    var index: Int {
        switch self {
        case .recordDisclosure: 0
        case .recordTransfer: 1
        case .humanReview: 2
        case .notifyRecipients: 3
        case .informSubjectFirst: 4
        }
    }
}
