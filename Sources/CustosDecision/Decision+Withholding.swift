extension Decision {
    /// The decision with `withheld` fields denied for `code` (a value that did not decrypt,
    /// say): the outcome, the minimisation reason and the obligations follow.
    package func withholding(_ withheld: Set<String>, code: ReasonCode, explanation: String) -> Decision {
        guard !withheld.isEmpty else { return self }
        var decision = self
        for index in decision.fields.indices where withheld.contains(decision.fields[index].field) {
            decision.fields[index].outcome = .deny
            if !decision.fields[index].reasons.contains(code) { decision.fields[index].reasons.append(code) }
        }
        decision.reasons.removeAll { $0.code == .minimisationFieldsFiltered }
        decision.reasons.append(Reason(code: code, explanation: explanation, fields: withheld.sorted()))
        let permitted = decision.fields.filter { $0.outcome == .permit }.count
        if permitted == 0 {
            decision.outcome = .deny
            decision.obligations = []
        } else {
            decision.outcome = .partial
            let filtered = decision.fields.filter { $0.outcome == .deny }.map(\.field)
            decision.reasons.append(Reason(code: .minimisationFieldsFiltered,
                                           explanation: "\(filtered.count) of \(decision.fields.count) requested fields are withheld; only the others are released",
                                           fields: filtered))
        }
        return decision
    }

    /// A deny for a failure on the way to a decision: the engine fails closed.
    package static func failure(_ request: DecisionRequest, code: ReasonCode, explanation: String, digest: String) -> Decision {
        Decision(outcome: .deny, action: request.action, subject: request.subject, purpose: request.purpose, actor: request.actor,
                 recipient: request.action == .share ? request.recipient : nil,
                 fields: request.fields.map { FieldOutcome(field: $0, outcome: .deny, reasons: [code]) },
                 basis: nil, reasons: [Reason(code: code, explanation: explanation)], obligations: [], policyDigest: digest, hypothetical: false)
    }
}
