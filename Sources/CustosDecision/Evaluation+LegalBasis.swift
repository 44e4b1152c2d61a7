import CustosPolicy

extension Evaluation {
    /// Step 4: the basis for this subject's category is valid at the date (gdpr.md §3, §4, §7).
    mutating func legalBasis(subjectId: Int) {
        guard let rules else { return }
        guard let basis = rules.basisBySubject[subjectId] else { return }  // step 3 already denied
        self.basis = basis
        var valid = true
        switch basis {
        case .consent:
            valid = consentIsValid(rules)
        case .contract:
            if facts.subject?.contractParty != true {
                blockAll(.noLegalBasis, "purpose '\(request.purpose)' rests on a contract, but the subject is not party to a contract with the controller")
                valid = false
            }
        case .legitimateInterest:
            if !rules.hasLIA {
                blockAll(.noLegalBasis, "purpose '\(request.purpose)' rests on legitimate interest without a recorded assessment")
                valid = false
            }
        case .legalObligation, .vitalInterest, .publicTask:
            break
        }
        if valid {
            inform(.allowLegalBasis, "\(basis.rawValue) (\(basis.article)) is valid for purpose '\(request.purpose)'")
        }
        objections(basis: basis, rules: rules)
        electronicMarketing(basis: basis, rules: rules, consentValid: basis == .consent && valid)
        if rules.purpose.cookies == .tracking, basis != .consent {
            blockAll(.cookieConsentRequired, "purpose '\(request.purpose)' uses tracking cookies, which need consent")
        }
    }

    /// Art. 21: a direct-marketing objection is absolute; a general one stops processing on
    /// legitimate interest or public task unless legal claims or a recorded assessment of
    /// compelling grounds override it.
    private mutating func objections(basis: LegalBasis, rules: CompiledPurpose) {
        // An Art. 22 objection asks for a human, not for the processing to stop (step 7).
        let relevant = facts.objections.filter { $0.at <= at && $0.kind != .automatedDecision && ($0.purpose == nil || $0.purpose == request.purpose) }
        guard !facts.objections.isEmpty else { return }
        if !rules.directMarketing, facts.objections.contains(where: { $0.at <= at && $0.kind == .directMarketing }) {
            for index in 0..<fieldIds.count where fieldIds[index].map({ policy.fieldFlags[$0].suppressionEntry }) ?? false {
                inform(.suppressionAllowed, "'\(fieldNames[index])' is kept to honour the objection to direct marketing", field: index)
            }
        }
        guard !relevant.isEmpty else { return }
        if rules.directMarketing {
            blockAll(.objectionDirectMarketing, "the subject objected to direct marketing; '\(request.purpose)' must stop (Art. 21(3))")
            return
        }
        guard basis == .legitimateInterest || basis == .publicTask else { return }
        let general = relevant.filter { $0.kind == .general }
        guard !general.isEmpty else { return }
        if rules.legalClaims {
            inform(.objectionOverriddenLegalClaims, "the subject's objection does not stop '\(request.purpose)': it serves legal claims")
        } else if !general.allSatisfy({ $0.assessment == .overridden && $0.assessmentReference != nil }) {
            blockAll(.objectionNoCompellingGrounds, "the subject objected to '\(request.purpose)' and no assessment of compelling legitimate grounds is recorded")
        }
    }

    /// Tw Art. 11.7: electronic marketing needs consent, or the soft opt-in towards existing
    /// customers. Under a consent basis without valid consent the consent step's refusal says
    /// why the consent fails and this one that the e-mail or SMS may not be sent at all (§15:
    /// every reason); the soft opt-in cannot stand in for a basis the policy declares as
    /// consent.
    private mutating func electronicMarketing(basis: LegalBasis, rules: CompiledPurpose, consentValid: Bool) {
        guard rules.directMarketing, let channel = rules.purpose.directMarketing?.channel, channel == .email || channel == .sms else { return }
        if basis == .consent {
            if !consentValid {
                blockAll(.marketingElectronicNoOptIn, "\(channel.rawValue) marketing needs the subject's valid consent (Tw Art. 11.7(1))")
            }
            return
        }
        if facts.subject?.contractParty == true {
            inform(.softOptIn, "\(channel.rawValue) marketing to an existing customer under the soft opt-in")
        } else {
            blockAll(.marketingElectronicNoOptIn, "\(channel.rawValue) marketing to someone who is not an existing customer needs consent")
        }
    }

    // MARK: consent (gdpr.md §4)

    /// Checks every validity condition of the consent in force at the date; returns whether
    /// it carries the processing.
    private mutating func consentIsValid(_ rules: CompiledPurpose) -> Bool {
        // By index: iterating the records and events copied each one (its strings retained and
        // released) to compare two of its fields.
        let consents = facts.consents
        var latest: (record: Int, event: Int)?
        var latestAt = Instant(millisecondsSinceEpoch: .min)
        for recordIndex in consents.indices where consents[recordIndex].purpose == request.purpose {
            let events = consents[recordIndex].events
            for eventIndex in events.indices where events[eventIndex].at <= at {
                if latest == nil || latestAt <= events[eventIndex].at { (latest, latestAt) = ((recordIndex, eventIndex), events[eventIndex].at) }
            }
        }
        guard let latest else {
            if let notice = rules.consentNotice, let (given, current) = consentBeforeIntroduction(notice.notice) {
                blockAll(.consentNoticeVersionMismatch, "the subject consented under version \(given) of notice '\(notice.notice.id)', which did not disclose '\(request.purpose)'; version \(current) introduced it, and fresh consent is needed")
            } else {
                blockAll(.consentMissing, "the subject never consented to '\(request.purpose)'")
            }
            return false
        }
        let event = consents[latest.record].events[latest.event]
        switch event.state {
        case .given, .renewed:
            break
        case .withdrawn:
            blockAll(.consentWithdrawn, "the subject withdrew consent for '\(request.purpose)' at \(event.at)")
            return false
        case .refused:
            blockAll(.consentRefused, "the subject refused consent for '\(request.purpose)'")
            return false
        case .expired:
            blockAll(.consentExpired, "the consent for '\(request.purpose)' expired at \(event.at)")
            return false
        case .invalidated, .requested:
            blockAll(.consentMissing, "consent for '\(request.purpose)' was \(event.state.rawValue), not given")
            return false
        }
        var valid = true
        // Demonstrable: the notice version it was given under must exist (Art. 7(1)).
        let notice = rules.consentNotice
        var givenIndex: Int?
        if let notice, let reference = consents[latest.record].noticeReference {
            givenIndex = notice.versionIndex(of: reference.version, notice: reference.id)
        }
        if givenIndex == nil {
            blockAll(.consentUnprovable, "the consent for '\(request.purpose)' does not name a version of notice '\(rules.purpose.notice?.id ?? "?")' that exists")
            valid = false
        }
        if event.preTicked || !(event.method?.isAffirmative ?? false) {
            blockAll(.consentInvalidNotAffirmative, "the consent was not a clear affirmative act (\(event.preTicked ? "pre-ticked" : event.method?.rawValue ?? "no method recorded"))")
            valid = false
        }
        if event.conditionalOnService {
            blockAll(.consentNotFreelyGiven, "the consent was a condition of a service that does not need it")
            valid = false
        }
        if let validity = rules.purpose.consentValidity, date > policy.localDate(of: event.at).adding(validity) {
            blockAll(.consentExpired, "the consent of \(event.at) was valid for \(validity)")
            valid = false
        }
        if let notice, let givenIndex, let needed = scopeAddedSince(notice, given: givenIndex) {
            blockAll(.consentNoticeVersionMismatch, "the consent under version \(notice.notice.versions[givenIndex].version) of notice '\(notice.notice.id)' does not reach \(needed), which a later material change added to '\(request.purpose)'; fresh consent is needed")
            valid = false
        }
        if isUnderage(event, mayInvolveMinors: rules.purpose.mayInvolveMinors), !hasParentalAuthorisation(event) {
            blockAll(.consentUnderage, "the subject was under 16 (or of unknown age for a purpose that may involve minors) and no verified parental authorisation is recorded")
            valid = false
        }
        explicitConsent = valid && (event.method?.isExplicit ?? false)
        return valid
    }

    /// gdpr.md §4.3, per purpose: what this request needs that the notice version in force
    /// added to the purpose after the consent's version, across a material change; nil when
    /// the consent covers the request. A material change widens the scope only for what it
    /// added: a request that stays inside the fields, recipients and transfer destinations
    /// consented to is still covered.
    private func scopeAddedSince(_ notice: CompiledNotice, given givenIndex: Int) -> String? {
        // The notice by reference and its versions in place: passing the notice, or binding a
        // version, copied it (its texts and scopes retained and released).
        let versions = notice.notice.versions
        guard let currentIndex = notice.versionIndex(inForceOn: date) else { return nil }
        let (givenVersion, currentVersion) = (versions[givenIndex].version, versions[currentIndex].version)
        guard currentVersion > givenVersion else { return nil }
        guard let currentScope = versions[currentIndex].scope(of: request.purpose) else { return nil }
        guard let givenScope = versions[givenIndex].scope(of: request.purpose) else { return "the purpose itself" }
        guard versions.indices.contains(where: { versions[$0].version > givenVersion && versions[$0].version <= currentVersion && versions[$0].materialChange }) else { return nil }
        var needed: [String] = []
        for (index, name) in fieldNames.enumerated() where fieldIds[index] != nil
            && currentScope.fields.contains(where: { $0.id == name }) && !givenScope.fields.contains(where: { $0.id == name }) {
            needed.append("field '\(name)'")
        }
        if request.action == .share, let name = request.recipient, let id = recipientId {
            if currentScope.recipients.contains(where: { $0.id == name }) && !givenScope.recipients.contains(where: { $0.id == name }) {
                needed.append("recipient '\(name)'")
            }
            let destination: String? = switch policy.compiledRecipients[id].recipient.country {
            case let .fixed(country): country
            default: request.destination
            }
            if let destination, currentScope.transfers.contains(destination), !givenScope.transfers.contains(destination) {
                needed.append("transfers to \(destination)")
            }
        }
        return needed.isEmpty ? nil : needed.joined(separator: ", ")
    }

    /// gdpr.md §4.3: the purpose was introduced by a notice version later than one the subject
    /// consented under (for another purpose of the same notice). Returns both versions.
    private func consentBeforeIntroduction(_ notice: Notice) -> (given: Int, current: Int)? {
        guard let currentIndex = notice.versionIndex(inForceOn: date) else { return nil }
        let current = notice.versions[currentIndex]
        guard current.scope(of: request.purpose) != nil else { return nil }
        for record in facts.consents {
            guard let reference = record.noticeReference, reference.id == notice.id.id, reference.version < current.version,
                  let index = notice.versionIndex(of: reference.version, notice: reference.id),
                  notice.versions[index].scope(of: request.purpose) == nil,
                  record.events.contains(where: { $0.at <= at && ($0.state == .given || $0.state == .renewed) }) else { continue }
            return (reference.version, current.version)
        }
        return nil
    }

    /// The birth date decides; without it a declared age at consent; without either, only a
    /// purpose that may involve minors treats the subject as possibly under 16.
    private func isUnderage(_ event: ConsentEvent, mayInvolveMinors: Bool) -> Bool {
        if let birthDate = facts.subject?.birthDate { return birthDate.completedYears(until: policy.localDate(of: event.at)) < 16 }
        if let age = event.ageAtConsent { return age < 16 }
        return mayInvolveMinors
    }

    private func hasParentalAuthorisation(_ event: ConsentEvent) -> Bool {
        guard let authorisation = event.parentalAuthorisation else { return false }
        return !authorisation.by.isEmpty && !authorisation.verifiedVia.isEmpty
    }
}
