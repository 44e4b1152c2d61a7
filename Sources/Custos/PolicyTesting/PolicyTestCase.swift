public import CustosDecision
public import CustosPolicy

/// One case of a policy test file: facts, a request, and what the decision must be.
///
/// ```yaml
/// - name: withdrawn newsletter consent stops the newsletter
///   at: 2025-06-02T09:00:00+02:00
///   facts:
///     subject: {id: PR-2002, category: prospect}
///     consents:
///       - purpose: P-NEWSLETTER-EMAIL
///         notice: N-NEWS@2
///         events:
///           - {state: given, at: 2024-10-01T09:00:00+02:00, method: checkbox-ticked}
///           - {state: withdrawn, at: 2025-06-01T20:12:00+02:00, channel: e-mail}
///   request: {action: read, actor: newsletter, purpose: P-NEWSLETTER-EMAIL, fields: [email]}
///   expect: {outcome: deny, reasons: [CONSENT_WITHDRAWN]}
/// ```
public struct PolicyTestCase: Sendable, Decodable {
    public var name: String
    public var at: Instant
    public var facts: Facts
    public var request: DecisionRequest
    public var expect: Expectation

    /// What must hold of the decision. Field lists are exact sets; reason and obligation
    /// lists must appear (in any order); `not-reasons` must not.
    public struct Expectation: Sendable, Decodable {
        public var outcome: Outcome
        public var reasons: [ReasonCode]
        public var notReasons: [ReasonCode]
        public var permitted: [String]?
        public var denied: [String]?
        public var basis: LegalBasis?
        public var obligations: [Obligation]

        enum CodingKeys: String, CodingKey {
            case outcome, reasons, notReasons = "not-reasons", permitted, denied, basis, obligations
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            outcome = try c.decode(Outcome.self, forKey: .outcome)
            reasons = try c.decodeIfPresent([ReasonCode].self, forKey: .reasons) ?? []
            notReasons = try c.decodeIfPresent([ReasonCode].self, forKey: .notReasons) ?? []
            permitted = try c.decodeIfPresent([String].self, forKey: .permitted)
            denied = try c.decodeIfPresent([String].self, forKey: .denied)
            basis = try c.decodeIfPresent(LegalBasis.self, forKey: .basis)
            obligations = try c.decodeIfPresent([Obligation].self, forKey: .obligations) ?? []
        }

        /// What differs between the expectation and a decision; empty when it holds.
        public func differences(from decision: Decision) -> [String] {
            var found: [String] = []
            if decision.outcome != outcome { found.append("outcome \(decision.outcome.rawValue), expected \(outcome.rawValue)") }
            let codes = Set(decision.codes)
            let missing = reasons.filter { !codes.contains($0) }
            if !missing.isEmpty { found.append("missing reasons \(missing.map(\.rawValue).joined(separator: ", "))") }
            let unwanted = notReasons.filter { codes.contains($0) }
            if !unwanted.isEmpty { found.append("unexpected reasons \(unwanted.map(\.rawValue).joined(separator: ", "))") }
            if let permitted, Set(permitted) != Set(decision.permittedFields) {
                found.append("permitted [\(decision.permittedFields.joined(separator: ", "))], expected [\(permitted.joined(separator: ", "))]")
            }
            if let denied, Set(denied) != Set(decision.deniedFields) {
                found.append("denied [\(decision.deniedFields.joined(separator: ", "))], expected [\(denied.joined(separator: ", "))]")
            }
            if let basis, decision.basis != basis { found.append("basis \(decision.basis?.rawValue ?? "none"), expected \(basis.rawValue)") }
            let missingObligations = obligations.filter { !decision.obligations.contains($0) }
            if !missingObligations.isEmpty { found.append("missing obligations \(missingObligations.map(\.rawValue).joined(separator: ", "))") }
            if !found.isEmpty { found.append("got reasons \(decision.codes.map(\.rawValue).joined(separator: ", "))") }
            return found
        }
    }

    enum CodingKeys: String, CodingKey { case name, at, facts, request, expect }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        at = try c.decode(Instant.self, forKey: .at)
        facts = try c.decode(Facts.self, forKey: .facts)
        request = try c.decode(DecisionRequest.self, forKey: .request)
        expect = try c.decode(Expectation.self, forKey: .expect)
        // The request is about the subject of the facts unless it says otherwise.
        if request.subject.isEmpty, let subject = facts.subject { request.subject = subject.id }
    }
}
