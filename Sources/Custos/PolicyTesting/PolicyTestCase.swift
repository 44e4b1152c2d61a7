package import CustosDecision
package import CustosPolicy

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
package struct PolicyTestCase: Sendable, Decodable {
    package var name: String
    package var at: Instant
    package var facts: Facts
    package var request: DecisionRequest
    package var expect: Expectation

    /// What must hold of the decision. Field lists are exact sets; reason and obligation
    /// lists must appear (in any order); `not-reasons` must not.
    package struct Expectation: Sendable, Decodable {
        package var outcome: Outcome
        package var reasons: [ReasonCode]
        package var notReasons: [ReasonCode]
        package var permitted: [String]?
        package var denied: [String]?
        package var basis: LegalBasis?
        package var obligations: [Obligation]

        enum CodingKeys: String, CodingKey {
            case outcome, reasons, notReasons = "not-reasons", permitted, denied, basis, obligations
        }

        package init(from decoder: any Decoder) throws {
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
        package func differences(from decision: Decision) -> [String] {
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

    package init(from decoder: any Decoder) throws {
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
