import CustosPolicy

extension Evaluation {
    /// Steps 8 and 9: the recipient is declared for the purpose, a processor works under a
    /// DPA that covers purpose and fields, each field is one the recipient may receive, and a
    /// destination outside the EEA has a Chapter V mechanism.
    mutating func recipientAndTransfer() {
        guard let rules else { return }
        guard let name = request.recipient else {
            blockAll(.recipientNotDeclared, "a share must name its recipient")
            return
        }
        guard let id = policy.recipients.id(name) else {
            blockAll(.recipientNotDeclared, "recipient '\(name)' is not declared for purpose '\(request.purpose)'")
            return
        }
        let compiledRecipient = policy.compiledRecipients[id]
        let recipient = compiledRecipient.recipient
        let declared = rules.recipients.contains(id)
        if !declared {
            blockAll(.recipientNotDeclared, "recipient '\(name)' is not declared for purpose '\(request.purpose)'")
        }
        // Art. 15(1)(c) (CJEU C-154/21): a recipient the policy names only by kind is recorded
        // by its actual name, so a share that does not name it is not made.
        if recipient.namedPerDisclosure, request.recipientName.map({ $0.allSatisfy(\.isWhitespace) }) ?? true {
            blockAll(.recipientNotDeclared, "recipient '\(name)' is named per disclosure; the share must name the actual recipient ('recipient-name')")
        }
        // A processor's agreement is judged even for a purpose it is not declared for: the
        // auditor reads every reason (gdpr.md §15), and an agreement that does not cover the
        // purpose is one of them.
        if recipient.role == .processor || recipient.role == .subProcessor {
            processorAgreement(compiledRecipient)
        }
        guard declared else { return }
        if let allowed = compiledRecipient.allowedFields {
            for (index, field) in fieldIds.enumerated() where !(field.map { allowed.contains($0) } ?? false) {
                block(field: index, .dataCategoryNotInPurpose, "recipient '\(name)' may not receive '\(fieldNames[index])'")
            }
        }
        transfer(to: compiledRecipient)
        oblige(.recordDisclosure)
    }

    private mutating func processorAgreement(_ rules: CompiledRecipient) {
        let recipient = rules.recipient
        let name = recipient.id.id
        guard let dpa = recipient.dpa else {
            blockAll(.processorAgreementMissing, "processor '\(name)' has no Art. 28 agreement")
            return
        }
        if case let .fails(why) = dpa.holding(on: date) {
            blockAll(.processorAgreementMissing, "the Art. 28 agreement \(dpa.reference) with processor '\(name)' does not hold on \(date): \(why)")
            return
        }
        if recipient.role == .subProcessor {
            let authorised = recipient.engagedBy.flatMap { policy.recipients.id($0.id) }
                .map { policy.compiledRecipients[$0].subProcessors.contains(policy.recipients.id(name) ?? -1) } ?? false
            if !authorised {
                blockAll(.subprocessorNotAuthorised, "sub-processor '\(name)' is not authorised by its processor's agreement")
                return
            }
        }
        guard let purposeId, rules.dpaPurposes?.contains(purposeId) == true else {
            blockAll(.processorScopeExceeded, "the agreement with '\(name)' does not cover purpose '\(request.purpose)'")
            return
        }
        var exceeded = 0
        for (index, field) in fieldIds.enumerated() where !(field.map { rules.dpaFields?.contains($0) ?? false } ?? false) {
            block(field: index, .processorScopeExceeded, "the agreement with '\(name)' does not cover '\(fieldNames[index])'")
            exceeded += 1
        }
        if exceeded < fieldNames.count {
            inform(.processorUnderArt28, "'\(name)' processes on the controller's behalf under \(dpa.reference)")
        }
    }
}
