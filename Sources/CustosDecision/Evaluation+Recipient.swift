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
        guard let id = recipientId else {
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
            for index in 0..<fieldIds.count where !(fieldIds[index].map { allowed.contains($0) } ?? false) {
                block(field: index, .dataCategoryNotInPurpose, "recipient '\(name)' may not receive '\(fieldNames[index])'")
            }
        }
        transfer(to: compiledRecipient)
        remoteAccess(compiledRecipient, via: nil)
        if recipient.role == .processor {
            for reference in recipient.subProcessors {
                guard let subId = policy.recipients.id(reference.id) else { continue }
                subProcessor(policy.compiledRecipients[subId], of: name)
            }
        }
        oblige(.recordDisclosure)
    }

    /// Art. 28(2), Chapter V: what a processor receives reaches its sub-processors, so each
    /// must be authorised on the date, work under an agreement that holds, and sit (with any
    /// staff who reach the data remotely) where a Chapter V mechanism carries the data.
    private mutating func subProcessor(_ compiled: CompiledRecipient, of processor: String) {
        let sub = compiled.recipient
        let name = sub.id.id
        if case let .fails(why) = authorisation(of: sub) {
            blockAll(.subprocessorNotAuthorised, "'\(processor)' passes the data to sub-processor '\(name)', which is not authorised on \(date): \(why) (Art. 28(2))")
        }
        if let dpa = sub.dpa, case let .fails(why) = dpa.holding(on: date) {
            blockAll(.processorAgreementMissing, "the agreement \(dpa.reference) with sub-processor '\(name)' of '\(processor)' does not hold on \(date): \(why)")
        } else if sub.dpa == nil {
            blockAll(.processorAgreementMissing, "sub-processor '\(name)' of '\(processor)' has no Art. 28(4) agreement")
        } else if let purposeId, compiled.dpaPurposes?.contains(purposeId) != true {
            // Art. 28(4): the processor's obligations flow down; what the sub-processor's own
            // agreement does not cover must not reach it.
            blockAll(.processorScopeExceeded, "the agreement with sub-processor '\(name)' of '\(processor)' does not cover purpose '\(request.purpose)'")
        } else {
            for index in 0..<fieldIds.count where !(fieldIds[index].map { compiled.dpaFields?.contains($0) ?? false } ?? false) {
                block(field: index, .processorScopeExceeded, "the agreement with sub-processor '\(name)' of '\(processor)' does not cover '\(fieldNames[index])'")
            }
        }
        if case let .fixed(country) = sub.country, !policy.isEEA(country) {
            transfer(to: compiled, destination: country, via: "sub-processor '\(name)' of '\(processor)'")
        }
        remoteAccess(compiled, via: "sub-processor '\(name)' of '\(processor)'")
    }

    /// Staff who reach the data from a third country make a transfer there (EDPB 05/2021).
    private mutating func remoteAccess(_ compiled: CompiledRecipient, via: String?) {
        let recipient = compiled.recipient
        for country in recipient.accessFrom where !policy.isEEA(country) {
            transfer(to: compiled, destination: country, via: "remote access from \(country) by staff of \(via ?? "'\(recipient.id.id)'")")
        }
    }

    func authorisation(of sub: Recipient) -> SafeguardHolding {
        sub.authorisation(records: facts.subProcessors, at: at, on: date)
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
            let listed = recipient.engagedBy.flatMap { policy.recipients.id($0.id) }
                .map { policy.compiledRecipients[$0].subProcessors.contains(policy.recipients.id(name) ?? -1) } ?? false
            if !listed {
                blockAll(.subprocessorNotAuthorised, "sub-processor '\(name)' is not authorised by its processor's agreement")
                return
            }
            if case let .fails(why) = authorisation(of: recipient) {
                blockAll(.subprocessorNotAuthorised, "sub-processor '\(name)' is not authorised on \(date): \(why) (Art. 28(2))")
                return
            }
        }
        guard let purposeId, rules.dpaPurposes?.contains(purposeId) == true else {
            blockAll(.processorScopeExceeded, "the agreement with '\(name)' does not cover purpose '\(request.purpose)'")
            return
        }
        var exceeded = 0
        for index in 0..<fieldIds.count where !(fieldIds[index].map { rules.dpaFields?.contains($0) ?? false } ?? false) {
            block(field: index, .processorScopeExceeded, "the agreement with '\(name)' does not cover '\(fieldNames[index])'")
            exceeded += 1
        }
        if exceeded < fieldNames.count {
            inform(.processorUnderArt28, "'\(name)' processes on the controller's behalf under \(dpa.reference)")
        }
    }
}
