import CustosPolicy

extension Evaluation {
    /// Step 9, in the order of gdpr.md §12: EEA, Art. 48, adequacy (in force, in scope), SCC
    /// or BCR with a TIA, Art. 49 derogations (procedure, occasional), otherwise deny.
    mutating func transfer(to compiled: CompiledRecipient) {
        let recipient = compiled.recipient
        let name = recipient.id.id
        let destination: String
        switch recipient.country {
        case let .fixed(country):
            // A declared country is not the caller's to change: an override to the EEA would
            // skip Chapter V. A different destination is refused, not evaluated.
            if let given = request.destination, given != country {
                blockAll(.transferNoMechanism, "recipient '\(name)' is declared in \(country); a share to it cannot go to \(given)")
                return
            }
            destination = country
        case .perDisclosure:
            guard let given = request.destination else {
                blockAll(.transferNoMechanism, "recipient '\(name)' receives data in a country given per disclosure, and the share names none")
                return
            }
            destination = given
        }
        if policy.isEEA(destination) {
            inform(.intraEEA, "\(destination) is in the EEA: no Chapter V transfer")
            return
        }
        transfer(to: compiled, destination: destination, via: nil)
    }

    /// A transfer to `destination`, a third country: the recipient's own, or (`via`) where a
    /// sub-processor sits or staff reach the data remotely.
    mutating func transfer(to compiled: CompiledRecipient, destination: String, via: String?) {
        let recipient = compiled.recipient
        let name = recipient.id.id
        let through = via.map { " (\($0))" } ?? ""
        if request.foreignOrder {
            blockAll(.art48ForeignOrderNotBasis, "an order of a court or authority of \(destination) is not on its own a ground for transfer")
            return
        }
        var refusals: [(ReasonCode, Explanation)] = []
        if let adequacy = policy.adequacyDecision(for: destination) {
            if !adequacy.isInForce(on: date) {
                refusals.append((.transferAdequacyNotInForce, "the adequacy decision for \(destination) (\(adequacy.decision)) is not in force on \(date)"))
            } else if let missing = adequacy.requires.first(where: { !recipientHas($0, recipient) }) {
                let code: ReasonCode = missing == "dpf-certified" ? .transferDPFNotCertified : .transferAdequacyOutOfScope
                let why: Explanation = missing == "dpf-certified" ? "'\(name)' has no active Data Privacy Framework certification on \(date)" : "'\(name)' is not '\(missing)', which the adequacy decision for \(destination) requires"
                refusals.append((code, why))
            } else if let excluded = adequacy.excludes.first(where: { recipient.attributes.contains($0) }) {
                refusals.append((.transferAdequacyOutOfScope, "the adequacy decision for \(destination) excludes '\(excluded)' recipients"))
            } else {
                let code: ReasonCode = adequacy.requires.contains("dpf-certified") ? .transferDPF : .transferAdequacy
                inform(code, "\(destination) is adequate (\(adequacy.decision)) for '\(name)'")
                oblige(.recordTransfer)
                return
            }
        }
        let instruments = recipient.transfer
        if let scc = instruments?.scc {
            switch (scc.holding(on: date), scc.assessmentHolding(on: date)) {
            case (.holds, .holds):
                inform(.transferSCC, "standard contractual clauses with transfer impact assessment \(scc.tia ?? "")")
                oblige(.recordTransfer)
                return
            case let (.fails(why), _):
                refusals.append((.transferNoMechanism, "the standard contractual clauses with '\(name)' do not hold on \(date): \(why)"))
            case let (.holds, .fails(why)):
                refusals.append((.transferTIAMissing, "the standard contractual clauses with '\(name)' lack a valid transfer impact assessment on \(date): \(why)"))
            }
        }
        if let bcr = instruments?.bcr {
            if case let .fails(why) = bcr.assessmentHolding(on: date) {
                refusals.append((.transferTIAMissing, "the binding corporate rules \(bcr.reference) lack a valid transfer impact assessment on \(date): \(why)"))
            } else {
                inform(.transferBCR, "binding corporate rules \(bcr.reference) with transfer impact assessment \(bcr.tia ?? "")")
                oblige(.recordTransfer)
                return
            }
        }
        if let derogation = instruments?.derogation {
            let derogationRefusals = derogationRefusals(derogation, recipient: name)
            guard !derogationRefusals.isEmpty else {
                inform(.transferDerogationLegalClaims, "occasional transfer for procedure \(request.procedure ?? "") (Art. 49(1)(e))")
                oblige(.recordTransfer)
                return
            }
            refusals.append(contentsOf: derogationRefusals)
        }
        // The step ended without a lawful mechanism: say so beside the refusals that explain
        // why (gdpr.md §15: every reason).
        if !refusals.contains(where: { $0.0 == .transferNoMechanism }) {
            refusals.append((.transferNoMechanism, "no adequacy decision, safeguard or derogation carries a transfer to '\(name)' in \(destination)\(through)"))
        }
        for (code, explanation) in refusals { blockAll(code, explanation) }
    }

    /// `dpf-certified` is computed from the recipient's certification on the date; other
    /// attributes are declared in the policy.
    private func recipientHas(_ attribute: String, _ recipient: Recipient) -> Bool {
        guard attribute == "dpf-certified" else { return recipient.attributes.contains(attribute) }
        return recipient.transfer?.dpf?.holding(on: date).holds ?? false
    }

    /// Why an Art. 49 derogation does not carry this share; empty when it does. Every condition
    /// is checked, so a transfer that names no procedure and is also past the occasional limit
    /// reports both.
    private func derogationRefusals(_ derogation: Derogation, recipient: String) -> [(ReasonCode, Explanation)] {
        guard derogation.ground == .legalClaims else {
            return [(.transferNoMechanism, "derogation \(derogation.ground.rawValue) is not supported by the engine; only Art. 49(1)(e) is")]
        }
        var refusals: [(ReasonCode, Explanation)] = []
        let procedure = request.procedure.flatMap { $0.isEmpty ? nil : $0 }
        if procedure == nil {
            refusals.append((.transferDerogationNoProceeding, "an Art. 49(1)(e) transfer must name the procedure it serves"))
        }
        if request.bulk {
            refusals.append((.transferDerogationNotOccasional, "a scheduled or batch transfer is not occasional"))
        } else if let limit = derogation.occasional {
            let windowStart = date.subtracting(limit.per)
            let earlier = Set(facts.transfers.filter { record in
                record.recipient == recipient && record.at <= at && policy.localDate(of: record.at) > windowStart && record.procedure != nil
            }.compactMap(\.procedure))
            if !(procedure.map(earlier.contains) ?? false), earlier.count >= limit.max {
                refusals.append((.transferDerogationNotOccasional,
                                 "'\(recipient)' already received derogation transfers for \(earlier.count) procedures in \(limit.per); at most \(limit.max)"))
            }
        }
        return refusals
    }
}
